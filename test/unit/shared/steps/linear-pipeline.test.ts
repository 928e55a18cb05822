/**
 * A linear sweep through the real steps on a bucket in memory (MemoryBlobs): every trial and the refit are solved
 * exactly (the solver in each record, coefficients equal to an independent fit on the same rows), and the saved
 * tfjs model (a Dense layer holding the exact weights) loads back and reproduces the refit's test score.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readDatasetFile } from '../../../../shared/data/parse';
import { planSplits } from '../../../../shared/data/splits';
import { fitPreprocessor } from '../../../../shared/data/preprocess';
import { fitStandardizer } from '../../../../shared/data/standardize';
import { aggregateSweep, loadManifest } from '../../../../shared/steps/aggregate';
import { createCaches } from '../../../../shared/steps/context';
import { planSweep } from '../../../../shared/steps/plan';
import { refitBest } from '../../../../shared/steps/refit';
import { MemoryBlobs } from '../../../../shared/store/memory-blobs';
import { SweepStore } from '../../../../shared/store/sweep-store';
import { solveLinear } from '../../../../shared/training/linear';
import { rawMatrix } from '../../../support/data';
import { DATA_DIR, ready, savedModelMse } from '../../../support/tf';
import { runTrial } from '../../../support/trial';

const BUCKET = 'regsweep-linear';
const blobs = new MemoryBlobs(BUCKET);
const DATASET = 'datasets/diabetes.csv';
const SWEEP = 'linear-diabetes';
const validation = { folds: 3, testFraction: 0.2, seed: 11 };

beforeAll(async () => {
  await ready();
  await blobs.putBytes(DATASET, fs.readFileSync(path.join(DATA_DIR, 'diabetes.csv')));
  await planSweep(blobs, {
    spec: {
      sweepId: SWEEP,
      dataset: { source: `s3://${BUCKET}/${DATASET}`, target: 'progression', task: 'regression' },
      model: { hidden: [] },
      validation,
      search: { types: ['none', 'l2', 'l1', 'elasticnet', 'dropout'], lambda: [1, 10, 100], dropout: [0.2], l1Ratio: 0.5 },
      selection: { rule: 'min' },
    },
  });
  const deps = { store: blobs, caches: createCaches(), backend: tf.getBackend() };
  for (const item of await loadManifest(blobs, SWEEP)) await runTrial({ ...item, sweepId: SWEEP }, deps);
  await aggregateSweep(blobs, SWEEP);
  await refitBest(blobs, SWEEP, { backend: tf.getBackend() });
});

const expectedSolver: Record<string, string> = {
  none: 'closed-form',
  l2: 'closed-form',
  dropout: 'closed-form',
  l1: 'coordinate-descent',
  elasticnet: 'coordinate-descent',
};

it('every trial names its exact solver and its coefficients equal a fresh exact fit on its fold', async () => {
  const sweep = new SweepStore(blobs, SWEEP);
  const ds = await readDatasetFile(path.join(DATA_DIR, 'diabetes.csv'), { target: 'progression', task: 'regression' });
  const plan = planSplits(ds, { ...validation, holdout: 0.2 });
  const { records } = await sweep.trials();
  expect(records).toHaveLength(11 * 3); // none, l2 x 3, l1 x 3, elasticnet x 3, dropout; 3 folds
  for (const r of records) {
    if (r.status !== 'succeeded') throw new Error(`trial ${r.trialId} failed: ${r.error.message}`);
    expect(r.solver).toBe(expectedSolver[r.reg.type]);
    const rows = plan.folds[r.fold].train;
    const pre = fitPreprocessor(ds, rows);
    const fresh = solveLinear(ds, rows, pre, r.reg);
    const got = pre.features.map((f) => r.coefficients![f]);
    const scale = Math.max(...Array.from(fresh.weights, Math.abs));
    // The sweep ran each lambda path from its largest lambda down (the manifest's batch order), so coordinate descent
    // warm-started: equal to the cold fresh fit within the solvers' tolerance (duality gap <= 1e-14 var(y)).
    expect(Math.max(...got.map((g, j) => Math.abs(g - fresh.weights[j]))) / scale).toBeLessThan(1e-6);
    if (r.reg.type === 'dropout') expect(r.notices?.join(' ')).toMatch(/lambda_eff = m\*p\/\(1-p\)/);
  }
});

it("the leaderboard names each config's exact solver and gives no epoch warnings: exact solvers have no epochs", async () => {
  const board = (await new SweepStore(blobs, SWEEP).leaderboard())!;
  for (const c of board.configs) expect(c.solver).toBe(expectedSolver[c.reg.type]);
  const codes = (board.diagnostics ?? []).map((d) => d.code);
  expect(codes).not.toContain('early-stopping'); // every record has epochsRun = bestEpoch = 1 of training.epochs 200
  expect(codes).not.toContain('epoch-cap');
});

it('the refit is exact and its saved model loads and reproduces the test score', async () => {
  const sweep = new SweepStore(blobs, SWEEP);
  const best = (await sweep.best())!;
  const ds = await readDatasetFile(path.join(DATA_DIR, 'diabetes.csv'), { target: 'progression', task: 'regression' });
  const plan = planSplits(ds, { ...validation, holdout: 0.2 });
  const pre = fitPreprocessor(ds, plan.trainval);
  const fresh = solveLinear(ds, plan.trainval, pre, best.config.reg);
  const coef = pre.features.map((f) => best.coefficients![f]);
  expect(Math.max(...coef.map((c, j) => Math.abs(c - fresh.weights[j]))) / Math.max(...Array.from(fresh.weights, Math.abs))).toBeLessThan(1e-9);

  const mse = await savedModelMse(blobs, SWEEP, best, ds, plan.test);
  expect(Math.abs(mse - best.test.loss) / best.test.loss).toBeLessThan(1e-4);
});

it('a linear classifier is solved by proximal Newton; with dropout it is trained by masked SGD and says so', async () => {
  const { fitRecord } = await import('../../../../shared/training/fit');
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

describe('a linear classification sweep selected by balanced accuracy', () => {
  const CLS_DATASET = 'datasets/breast_cancer.csv';
  const CLS_SWEEP = 'linear-cancer-balanced';
  const clsValidation = { folds: 3, testFraction: 0.2, seed: 5 };

  beforeAll(async () => {
    await blobs.putBytes(CLS_DATASET, fs.readFileSync(path.join(DATA_DIR, 'breast_cancer.csv')));
    await planSweep(blobs, {
      spec: {
        sweepId: CLS_SWEEP,
        dataset: { source: `s3://${BUCKET}/${CLS_DATASET}`, target: 'malignant', task: 'classification' },
        model: { hidden: [] },
        validation: clsValidation,
        search: { types: ['none', 'l2'], lambda: [1, 30, 1000] },
        selection: { rule: 'one-standard-error', metric: 'balancedAccuracy' },
      },
    });
    const deps = { store: blobs, caches: createCaches(), backend: tf.getBackend() };
    for (const item of await loadManifest(blobs, CLS_SWEEP)) await runTrial({ ...item, sweepId: CLS_SWEEP }, deps);
    await aggregateSweep(blobs, CLS_SWEEP);
    await refitBest(blobs, CLS_SWEEP, { backend: tf.getBackend() });
  });

  it("records each fold's scores, computed on its validation rows: ROC AUC and balanced accuracy from the record's coefficients by hand", async () => {
    const ds = await readDatasetFile(path.join(DATA_DIR, 'breast_cancer.csv'), { target: 'malignant', task: 'classification' });
    const plan = planSplits(ds, { ...clsValidation, holdout: 0.2 });
    const { x, features } = rawMatrix(ds);
    const { records } = await new SweepStore(blobs, CLS_SWEEP).trials();
    expect(records).toHaveLength(4 * 3);
    for (const r of records) {
      if (r.status !== 'succeeded') throw new Error(`trial ${r.trialId} failed: ${r.error.message}`);
      // the logit of each validation row, in float64, from the record's coefficients (standardized with the fold's train rows)
      const { train, validation: rows } = plan.folds[r.fold];
      const s = fitStandardizer(x, train);
      const logit = rows.map((i) => features.reduce((z, f, j) => z + r.coefficients![f] * ((x[i][j] - s.mean[j]) / s.std[j]), r.intercept!));
      const label = rows.map((i) => ds.y[i]);
      // ROC AUC: the share of (positive, negative) pairs ordered right, a tie counting half
      const pos = logit.filter((_, k) => label[k] === 1);
      const neg = logit.filter((_, k) => label[k] === 0);
      const wins = pos.reduce((w, p) => w + neg.reduce((v, q) => v + (p > q ? 1 : p === q ? 0.5 : 0), 0), 0);
      // the model evaluates in float32: allow one pair ordered differently
      expect(Math.abs(r.validation!.rocAuc! - wins / (pos.length * neg.length))).toBeLessThanOrEqual(1 / (pos.length * neg.length));
      const recall = (c: number) => label.filter((y, k) => y === c && logit[k] > 0 === (c === 1)).length / label.filter((y) => y === c).length;
      expect(r.validation!.balancedAccuracy).toBeCloseTo((recall(0) + recall(1)) / 2, 12);
      expect(r.validation!.macroF1).toBeGreaterThan(0.8);
      expect(r.train.balancedAccuracy).toBeGreaterThan(0.8);
    }
  });

  it('ranks by mean balanced accuracy, highest first, records the metric and the means, and the refit tests every score', async () => {
    const sweep = new SweepStore(blobs, CLS_SWEEP);
    const board = (await sweep.leaderboard())!;
    const { records } = await sweep.trials();
    expect(board.metric).toBe('balancedAccuracy');
    const means = board.configs.map((c) => c.score!.mean);
    expect(means).toEqual([...means].sort((a, b) => b - a));
    for (const c of board.configs) {
      const own = records.filter((r) => r.configId === c.configId && r.status === 'succeeded');
      const avg = (k: 'balancedAccuracy' | 'macroF1' | 'rocAuc') =>
        own.reduce((s, r) => s + (r.status === 'succeeded' ? r.validation![k]! : 0), 0) / own.length;
      expect(c.meanBalancedAccuracy).toBeCloseTo(avg('balancedAccuracy'), 12);
      expect(c.score!.mean).toBeCloseTo(avg('balancedAccuracy'), 12);
      expect(c.meanMacroF1).toBeCloseTo(avg('macroF1'), 12);
      expect(c.meanRocAuc).toBeCloseTo(avg('rocAuc'), 12);
    }
    const best = (await sweep.best())!;
    for (const k of ['accuracy', 'balancedAccuracy', 'macroF1', 'rocAuc'] as const) {
      expect(best.test[k]).toBeGreaterThan(0.8);
      expect(best.test[k]).toBeLessThanOrEqual(1);
    }
  });
});
