/**
 * Aggregate: read every trial record (listing is paginated), rank the configs and select the best; write
 * leaderboard.json with planned/succeeded/failed counts and the ids of missing trials. No TensorFlow.js.
 */
import type { ConfigSummary, Leaderboard } from '../study/leaderboard';
import { buildLeaderboard, studySettings } from '../study/leaderboard';
import { leaderboardKey } from '../store/layout';
import type { ObjectStore } from '../store/s3';
import { SweepStore } from '../store/sweep-store';

export interface AggregateResult {
  readonly sweepId: string;
  readonly leaderboardKey: string;
  readonly trials: Leaderboard['trials'];
  readonly corrupt: number;
  readonly best: Pick<ConfigSummary, 'configId' | 'label' | 'reg' | 'meanValLoss' | 'stdErr'>;
}

export async function aggregateSweep(objects: ObjectStore, sweepId: string): Promise<AggregateResult> {
  const sweep = new SweepStore(objects, sweepId);
  const spec = await sweep.requireSpec();
  const items = await sweep.requireManifest();
  const { records, corrupt } = await sweep.trials(new Set(items.map((i) => i.trialId)));
  const grid = await sweep.grid();
  const board = buildLeaderboard(sweepId, items, records, studySettings(spec, grid), await sweep.mapRunErrors());
  await sweep.writeLeaderboard(board);
  const { configId, label, reg, meanValLoss, stdErr } = board.best;
  return { sweepId, leaderboardKey: leaderboardKey(sweepId), trials: board.trials, corrupt, best: { configId, label, reg, meanValLoss, stdErr } };
}

/** The planned trials of a sweep. */
export const loadManifest = (objects: ObjectStore, sweepId: string) => new SweepStore(objects, sweepId).requireManifest();
