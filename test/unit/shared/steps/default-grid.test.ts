/**
 * A spec with no lambda and no dropout rates through the real steps on a bucket in memory (MemoryBlobs): PlanSweep
 * resolves the default grid from lambda_max on the non-test rows, stores it in grid.json (spec.json stays the
 * spec as given, so re-planning resumes), every trial runs, and the leaderboard says which defaults it used.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readDatasetFile } from '../../../../shared/data/parse';
import { planSplits } from '../../../../shared/data/splits';
import { DEFAULT_DROPOUT, SGD_PATH_COUNT } from '../../../../shared/search/default-grid';
import { aggregateSweep, loadManifest } from '../../../../shared/steps/aggregate';
import { createCaches } from '../../../../shared/steps/context';
import { planSweep } from '../../../../shared/steps/plan';
import { refitBest } from '../../../../shared/steps/refit';
import { MemoryBlobs } from '../../../../shared/store/memory-blobs';
import { SweepStore } from '../../../../shared/store/sweep-store';
import { lambdaMax } from '../../../../shared/training/linear/lambda-max';
import { DATA_DIR, ready } from '../../../support/tf';
import { runTrial } from '../../../support/trial';

const BUCKET = 'regsweep-default-grid';
const blobs = new MemoryBlobs(BUCKET);
const DATASET = 'datasets/diabetes.csv';
const SWEEP = 'default-grid';
const spec = {
  sweepId: SWEEP,
  dataset: { source: `s3://${BUCKET}/${DATASET}`, target: 'progression', task: 'regression' },
  model: { hidden: [4] },
  training: { epochs: 3 },
  validation: { folds: 2 },
  search: { types: ['l2', 'dropout'] },
};

beforeAll(async () => {
  await ready();
  await blobs.putBytes(DATASET, fs.readFileSync(path.join(DATA_DIR, 'diabetes.csv')));
});

it('plans the default grid from lambda_max, runs it, and the leaderboard and refit say so', async () => {
  // Act
  const planned = await planSweep(blobs, { spec });
  const deps = { store: blobs, caches: createCaches(), backend: tf.getBackend() };
  const items = await loadManifest(blobs, SWEEP);
  for (const item of items) await runTrial({ ...item, sweepId: SWEEP }, deps);
  await aggregateSweep(blobs, SWEEP);
  await refitBest(blobs, SWEEP, { backend: tf.getBackend() });

  // Assess: lambda_max is the one of the non-test rows, computed here independently of the plan
  const sweep = new SweepStore(blobs, SWEEP);
  const ds = await readDatasetFile(path.join(DATA_DIR, 'diabetes.csv'), { target: 'progression', task: 'regression' });
  const rows = planSplits(ds, { folds: 2, holdout: 0.2, testFraction: 0.2, seed: 42 }).trainval;
  const grid = (await sweep.grid())!;
  expect(grid.lambda).toEqual({ source: 'default', lambdaMax: lambdaMax(ds, rows), epsilon: 1e-3, rows: rows.length, features: 10 });
  expect(grid.dropout).toEqual({ source: 'default', rates: DEFAULT_DROPOUT });
  const l2 = grid.paths.find((p) => p.type === 'l2')!.lambdas;
  expect(l2).toHaveLength(SGD_PATH_COUNT);
  // the manifest runs exactly that grid: none, the l2 path and the dropout rates, on 2 folds
  expect(planned.trialCount).toBe((1 + SGD_PATH_COUNT + DEFAULT_DROPOUT.length) * 2);
  expect([...new Set(items.filter((i) => i.reg.type === 'l2').map((i) => i.reg.lambda))]).toEqual(l2);
  expect([...new Set(items.filter((i) => i.reg.type === 'dropout').map((i) => i.reg.dropoutRate))]).toEqual(DEFAULT_DROPOUT);

  const board = (await sweep.leaderboard())!;
  expect(board.trials).toMatchObject({ planned: planned.trialCount, failed: 0, missing: 0 });
  expect(board.notes?.[0]).toMatch(/^default λ grid from λ_max = [\d.]+ \(the L1 path on the 354 non-test rows/);
  expect(board.notes).toContain('default dropout rates 0.1, 0.2, 0.3, 0.5 (search.dropout not given)');
  expect((await sweep.best())!.test.loss).toBeGreaterThan(1000); // diabetes' test MSE, in its own units

  // spec.json is the spec as given (no lambda filled in): planning it again resumes instead of refusing
  expect(((await sweep.rawSpec()) as { search: Record<string, unknown> }).search.lambda).toBeUndefined();
  await expect(planSweep(blobs, { spec })).resolves.toMatchObject({ trialCount: planned.trialCount });
});
