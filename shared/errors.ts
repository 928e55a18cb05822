/**
 * Errors a user can act on. Everything that is the user's input (a spec, a dataset, a CLI argument) fails
 * with a subclass of UserInputError: the CLI prints its one-line message and exits 2; a Lambda handler
 * lets it propagate with its `name`, so Step Functions shows e.g. `SpecError` as the error.
 */
export class UserInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The sweep spec is invalid; the message names the field. */
export class SpecError extends UserInputError {}

/** The dataset cannot be used; the message names the file, row and column. */
export class DatasetError extends UserInputError {}

/** An id or key would escape its prefix or is not a safe slug. */
export class UnsafeIdError extends UserInputError {}

/** A command-line argument is invalid. */
export class UsageError extends UserInputError {}

export function isUserInputError(e: unknown): e is UserInputError {
  return e instanceof UserInputError;
}

/** The message of any thrown value, for logs and records. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
