/**
 * A linear sweep through the real steps against the local S3 server: every trial and the refit are solved
 * exactly (the solver in each record, coefficients equal to an independent fit on the same rows), and the saved
 * tfjs model (a Dense layer holding the exact weights) loads back and reproduces the refit's test score.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readDatasetFile } from '../../shared/data/parse';
import { planSplits } from '../../shared/data/splits';
import { fitStandardizer } from '../../shared/data/standardize';
import { aggregateSweep, loadManifest } from '../../shared/steps/aggregate';
import { createCaches } from '../../shared/steps/context';
import { planSweep } from '../../shared/steps/plan';
import { refitBest } from '../../shared/steps/refit';
import { runTrialStep } from '../../shared/steps/trial';
import { SweepStore } from '../../shared/store/sweep-store';
import { solveLinear } from '../../shared/training/linear';
import { useLocalS3 } from '../support/s3';
import { DATA_DIR, ready, savedModelMse } from '../support/tf';

const BUCKET = 'regsweep-linear';
const s3 = useLocalS3(BUCKET);
const DATASET = 'datasets/diabetes.csv';
const SWEEP = 'linear-diabetes';
const validation = { folds: 3, testFraction: 0.2, seed: 11 };

beforeAll(async () => {
  await ready();
  await s3.store.putBytes(DATASET, fs.readFileSync(path.join(DATA_DIR, 'diabetes.csv')), 'text/csv');
  await planSweep(s3.store, {
    spec: {
      sweepId: SWEEP,
      dataset: { source: `s3://${BUCKET}/${DATASET}`, target: 'progression', task: 'regression' },
      model: { hidden: [] },
      validation,
      search: { types: ['none', 'l2', 'l1', 'elasticnet', 'dropout'], lambda: [1, 10, 100], dropout: [0.2], l1Ratio: 0.5 },
      selection: { rule: 'min' },
    },
  });
  const deps = { store: s3.store, caches: createCaches(), backend: tf.getBackend() };
  for (const item of await loadManifest(s3.store, SWEEP)) await runTrialStep(item, deps);
  await aggregateSweep(s3.store, SWEEP);
  await refitBest(s3.store, SWEEP, { backend: tf.getBackend() });
});

const expectedSolver: Record<string, string> = {
  none: 'closed-form',
  l2: 'closed-form',
  dropout: 'closed-form',
  l1: 'coordinate-descent',
  elasticnet: 'coordinate-descent',
};

it('every trial names its exact solver and its coefficients equal a fresh exact fit on its fold', async () => {
  const sweep = new SweepStore(s3.store, SWEEP);
  const ds = await readDatasetFile(path.join(DATA_DIR, 'diabetes.csv'), { target: 'progression', task: 'regression' });
  const plan = planSplits(ds, { ...validation, holdout: 0.2 });
  const { records } = await sweep.trials();
  expect(records).toHaveLength(11 * 3); // none, l2 x 3, l1 x 3, elasticnet x 3, dropout; 3 folds
  for (const r of records) {
    if (r.status !== 'succeeded') throw new Error(`trial ${r.trialId} failed: ${r.error.message}`);
    expect(r.solver).toBe(expectedSolver[r.reg.type]);
    const rows = plan.folds[r.fold].train;
    const fresh = solveLinear(ds, rows, fitStandardizer(ds.x, rows), r.reg);
    const got = ds.features.map((f) => r.coefficients![f]);
    const scale = Math.max(...Array.from(fresh.weights, Math.abs));
    expect(Math.max(...got.map((g, j) => Math.abs(g - fresh.weights[j]))) / scale).toBeLessThan(1e-9);
    if (r.reg.type === 'dropout') expect(r.notices?.join(' ')).toMatch(/lambda_eff = m\*p\/\(1-p\)/);
  }
});

it("the leaderboard names each config's exact solver and gives no epoch warnings: exact solvers have no epochs", async () => {
  const board = (await new SweepStore(s3.store, SWEEP).leaderboard())!;
  for (const c of board.configs) expect(c.solver).toBe(expectedSolver[c.reg.type]);
  const codes = (board.diagnostics ?? []).map((d) => d.code);
  expect(codes).not.toContain('early-stopping'); // every record has epochsRun = bestEpoch = 1 of training.epochs 200
  expect(codes).not.toContain('epoch-cap');
});

it('the refit is exact and its saved model loads and reproduces the test score', async () => {
  const sweep = new SweepStore(s3.store, SWEEP);
  const best = (await sweep.best())!;
  const ds = await readDatasetFile(path.join(DATA_DIR, 'diabetes.csv'), { target: 'progression', task: 'regression' });
  const plan = planSplits(ds, { ...validation, holdout: 0.2 });
  const fresh = solveLinear(ds, plan.trainval, fitStandardizer(ds.x, plan.trainval), best.config.reg);
  const coef = ds.features.map((f) => best.coefficients![f]);
  expect(Math.max(...coef.map((c, j) => Math.abs(c - fresh.weights[j]))) / Math.max(...Array.from(fresh.weights, Math.abs))).toBeLessThan(1e-9);

  const mse = await savedModelMse(s3.store, SWEEP, best, ds, plan.test);
  expect(Math.abs(mse - best.test.loss) / best.test.loss).toBeLessThan(1e-4);
});

it('a linear classifier is solved by proximal Newton; with dropout it is trained by masked SGD and says so', async () => {
  const { fitRecord } = await import('../../shared/training/fit');
  const ds = await readDatasetFile(path.join(DATA_DIR, 'breast_cancer.csv'), { target: 'malignant', task: 'classification' });
  const rows = ds.y.map((_, i) => i);
  const input = (reg: { type: 'l2' | 'dropout'; lambda: number; dropoutRate: number; l1Ratio: number }) => ({
    dataset: ds,
    settings: {
      model: { hidden: [], activation: 'relu' as const },
      training: { epochs: 5, batchSize: 64, learningRate: 0.01, optimizer: 'adam' as const, patience: 0 },
    },
    reg,
    trainRows: rows.slice(0, 400),
    validationRows: rows.slice(400),
    fold: 0,
    seed: 1,
    backend: tf.getBackend(),
  });
  const exact = fitRecord(input({ type: 'l2', lambda: 1, dropoutRate: 0, l1Ratio: 0 })).record;
  expect(exact.solver).toBe('proximal-newton');
  expect(exact.notices).toBeUndefined();
  const sgd = fitRecord(input({ type: 'dropout', lambda: 0, dropoutRate: 0.2, l1Ratio: 0 })).record;
  expect(sgd.solver).toBe('adam');
  expect(sgd.epochsRun).toBe(5);
  expect(sgd.notices?.join(' ')).toMatch(/no closed form: trained by masked SGD/);
});
