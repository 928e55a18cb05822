/** The errors of the Distributed Map emulation. */

/** A Step Functions error with a name (matched by Retry/Catch ErrorEquals) and a Cause (the message). */
export class StatesError extends Error {
  constructor(
    name: string,
    cause: string,
    private readonly catchable = true,
  ) {
    super(cause);
    this.name = name;
  }
  /** Read by aws-local-stepfunctions: States.Runtime is neither retried nor caught, even by States.ALL. */
  get isRetryable(): boolean {
    return this.catchable;
  }
  get isCatchable(): boolean {
    return this.catchable;
  }
}

/** The definition uses a Distributed Map feature this emulation does not implement. */
export class UnsupportedMapFeatureError extends Error {
  constructor(stateName: string, feature: string) {
    super(`Map state ${JSON.stringify(stateName)}: ${feature} is not emulated by the local harness`);
    this.name = 'UnsupportedMapFeatureError';
  }
}
