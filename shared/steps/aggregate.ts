/**
 * Aggregate: read every trial record (listing is paginated), decide the tolerated failures over trials, rank the
 * configs and select the best; write leaderboard.json with planned/succeeded/failed counts and the ids of missing
 * trials. No TensorFlow.js.
 *
 * Tolerated failures count trials, not batches: a trial is failed when its record says so (or has no validation
 * loss) and missing when it has no valid record (its batch crashed or timed out before it ran). When failed +
 * missing exceed `toleratedFailurePercentage` of the planned trials, no leaderboard is written and the result
 * says so (`tooManyFailed`, with a cause naming the counts), for the workflow's CheckFailures choice.
 */
import type { TrialItem } from '../search/grid';
import type { ConfigSummary, Leaderboard } from '../study/leaderboard';
import { buildLeaderboard, studySettings } from '../study/leaderboard';
import type { TrialRecord } from '../study/records';
import { leaderboardKey, mapResultsPrefix, trialsPrefix } from '../store/layout';
import type { Blobs } from '../store/blobs';
import { SweepStore } from '../store/sweep-store';

export interface AggregateResult {
  readonly sweepId: string;
  readonly tooManyFailed: false;
  readonly leaderboardKey: string;
  readonly trials: Leaderboard['trials'];
  readonly corrupt: number;
  readonly best: Pick<ConfigSummary, 'configId' | 'label' | 'reg' | 'meanValLoss' | 'stdErr'>;
}

/** More trials failed than the sweep tolerates: nothing ranked, nothing written. */
export interface TooManyFailedResult {
  readonly sweepId: string;
  readonly tooManyFailed: true;
  readonly trials: { readonly planned: number; readonly failed: number; readonly missing: number };
  /** One paragraph for the execution's cause: the per-trial counts, the threshold and where the records are. */
  readonly cause: string;
}

/** Planned trials without a usable result: failed (a failed record, or no validation loss) and missing (no valid record). */
export function unfinishedTrials(items: readonly TrialItem[], records: readonly TrialRecord[]): { failed: number; missing: number } {
  const byTrial = new Map(records.map((r) => [r.trialId, r]));
  let failed = 0;
  let missing = 0;
  for (const item of items) {
    const r = byTrial.get(item.trialId);
    if (!r) missing++;
    else if (r.status === 'failed' || r.validation === null || r.validation.loss === null) failed++;
  }
  return { failed, missing };
}

/**
 * Aggregate a sweep. With `toleratedFailurePercentage`, more failed + missing trials than that share of the
 * planned ones returns a TooManyFailedResult instead of a leaderboard.
 */
export async function aggregateSweep(objects: Blobs, sweepId: string): Promise<AggregateResult>;
export async function aggregateSweep(objects: Blobs, sweepId: string, toleratedFailurePercentage?: number): Promise<AggregateResult | TooManyFailedResult>;
export async function aggregateSweep(objects: Blobs, sweepId: string, toleratedFailurePercentage?: number): Promise<AggregateResult | TooManyFailedResult> {
  const sweep = new SweepStore(objects, sweepId);
  const spec = await sweep.requireSpec();
  const items = await sweep.requireManifest();
  const { records, corrupt } = await sweep.trials(new Set(items.map((i) => i.trialId)));
  if (toleratedFailurePercentage !== undefined) {
    const { failed, missing } = unfinishedTrials(items, records);
    const share = (100 * (failed + missing)) / items.length;
    if (share > toleratedFailurePercentage) {
      const cause =
        `${failed + missing} of ${items.length} trials failed (${failed} with a failed record, ${missing} without a record): ` +
        `${Number(share.toFixed(1))}% is over the tolerated ${toleratedFailurePercentage}%. Failed trials wrote their records ` +
        `(status failed, with the error) under ${sweep.uri(trialsPrefix(sweepId))}; trials of a batch that crashed or timed out ` +
        `have none, and the map run results under ${sweep.uri(mapResultsPrefix(sweepId))}/ hold that batch's error.`;
      return { sweepId, tooManyFailed: true, trials: { planned: items.length, failed, missing }, cause };
    }
  }
  const grid = await sweep.grid();
  const data = await sweep.dataSummary();
  const board = { ...buildLeaderboard(sweepId, items, records, studySettings(spec, grid), await sweep.mapRunErrors()), ...(data && { data }) };
  await sweep.writeLeaderboard(board);
  const { configId, label, reg, meanValLoss, stdErr } = board.best;
  return {
    sweepId,
    tooManyFailed: false,
    leaderboardKey: leaderboardKey(sweepId),
    trials: board.trials,
    corrupt,
    best: { configId, label, reg, meanValLoss, stdErr },
  };
}

/** The planned trials of a sweep. */
export const loadManifest = (objects: Blobs, sweepId: string) => new SweepStore(objects, sweepId).requireManifest();
