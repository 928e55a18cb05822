/** MaxConcurrency(Path): how many child executions of a map run run at once (0 or absent = unbounded). */
import { numberField } from './evaluate';
import type { AslState } from './types';

/** Step Functions' default for a Distributed Map without MaxConcurrency: up to 10,000 parallel children. */
const UNBOUNDED_CONCURRENCY = 10_000;

/** The most child executions that may run at once; States.Runtime for a MaxConcurrency that is not a whole number >= 0. */
export async function concurrencyLimit(name: string, state: AslState, input: unknown, ctx: Record<string, unknown>): Promise<number> {
  const maxConcurrency = await numberField(name, state, 'MaxConcurrency', input, ctx, (n) => Number.isInteger(n) && n >= 0);
  return maxConcurrency === undefined || maxConcurrency === 0 ? UNBOUNDED_CONCURRENCY : maxConcurrency;
}
