/**
 * ToleratedFailurePercentage / ToleratedFailureCount (and their *Path forms): a map run fails when its failed
 * items exceed either threshold (percentage of all items read); with neither set, any failure fails it.
 */
import { StatesError } from './errors';
import { numberField } from './evaluate';
import type { AslState } from './types';

export interface ToleratedFailures {
  readonly percentage?: number;
  readonly count?: number;
}

/** The Map's thresholds; States.Runtime for a percentage outside [0, 100] or a count that is not a whole number >= 0. */
export async function toleratedFailures(name: string, state: AslState, input: unknown, ctx: Record<string, unknown>): Promise<ToleratedFailures> {
  const percentage = await numberField(name, state, 'ToleratedFailurePercentage', input, ctx, (n) => n >= 0 && n <= 100);
  const count = await numberField(name, state, 'ToleratedFailureCount', input, ctx, (n) => Number.isInteger(n) && n >= 0);
  return { percentage, count };
}

/** True when `failed` of `total` items exceed the thresholds. */
export function exceedsTolerance(t: ToleratedFailures, failed: number, total: number): boolean {
  if (t.percentage === undefined && t.count === undefined) return failed > 0;
  const overPct = t.percentage !== undefined && total > 0 && (failed / total) * 100 > t.percentage;
  const overCount = t.count !== undefined && failed > t.count;
  return overPct || overCount;
}

/**
 * The error of a map run that exceeded its thresholds: Step Functions' sentence, then the counts and where the
 * results were written (local only).
 */
export function thresholdExceeded(
  t: ToleratedFailures,
  counts: { failed: number; total: number; notStarted: number },
  results?: { Bucket: string; Key: string },
): StatesError {
  const thresholds = [
    t.percentage !== undefined ? `ToleratedFailurePercentage ${t.percentage}` : undefined,
    t.count !== undefined ? `ToleratedFailureCount ${t.count}` : undefined,
  ].filter(Boolean);
  return new StatesError(
    'States.ExceedToleratedFailureThreshold',
    `The specified tolerated failure threshold was exceeded. ${counts.failed} of ${counts.total} items failed` +
      ` (${thresholds.length ? thresholds.join(', ') : 'no failures tolerated'}); ${counts.notStarted} not started.` +
      (results ? ` Results: s3://${results.Bucket}/${results.Key}` : ''),
  );
}
