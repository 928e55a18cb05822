import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { aggregateSweep, loadManifest } from '../../../../shared/steps/aggregate';
import { createCaches } from '../../../../shared/steps/context';
import { planSweep } from '../../../../shared/steps/plan';
import { type BestRecord } from '../../../../shared/study/best';
import { refitBest } from '../../../../shared/steps/refit';
import { batchKeyOf, legacyTrialKey, manifestKey, specKey, trialPartKey } from '../../../../shared/store/layout';
import { SweepStore } from '../../../../shared/store/sweep-store';
import type { Leaderboard } from '../../../../shared/study/leaderboard';
import type { TrialRecord } from '../../../../shared/study/records';
import { configId, trialId, type RegConfig } from '../../../../shared/search/grid';
import { MemoryBlobs } from '../../../../shared/store/memory-blobs';
import { DATA_DIR, ready, savedModelMse } from '../../../support/tf';
import { runTrial } from '../../../support/trial';

/** The steps on a bucket in memory (storage itself is tested on the local S3 server: test/integration/s3.test.ts). */
const blobs = new MemoryBlobs('regsweep-pipeline');
const DATASET = 'datasets/diabetes.csv';
const sweepOf = (sweepId: string) => new SweepStore(blobs, sweepId);

const specFor = (sweepId: string, extra: Record<string, unknown> = {}) => ({
  sweepId,
  dataset: { source: `s3://regsweep-pipeline/${DATASET}`, target: 'progression', task: 'regression' },
  model: { hidden: [8] },
  training: { epochs: 25, batchSize: 32, learningRate: 0.05, patience: 5 },
  validation: { folds: 3, testFraction: 0.2, seed: 7 },
  search: { types: ['none', 'l2', 'l1'], lambda: [1, 300] },
  ...extra,
});

/** The record of a trial run alone (a batch of one), read through the store. */
const recordOf = async (sweepId: string, id: string) => (await sweepOf(sweepId).batchRecords(batchKeyOf(id, 1))).get(id);

async function runAll(sweepId: string, filter: (i: number) => boolean = () => true) {
  const deps = { store: blobs, caches: createCaches(), backend: tf.getBackend() };
  const items = await loadManifest(blobs, sweepId);
  const out = [];
  for (const [i, item] of items.entries()) if (filter(i)) out.push(await runTrial({ ...item, sweepId }, deps));
  return out;
}

beforeAll(async () => {
  await ready();
  await blobs.putBytes(DATASET, fs.readFileSync(path.join(DATA_DIR, 'diabetes.csv')));
});

describe('plan -> trial -> aggregate -> refit on diabetes.csv', () => {
  let board: Leaderboard;
  let best: BestRecord;

  beforeAll(async () => {
    const plan = await planSweep(blobs, { spec: specFor('diabetes-small') });
    // an MLP sweep: one trial a batch by default (plan/batches.ts)
    expect(plan).toEqual({
      sweepId: 'diabetes-small',
      bucket: 'regsweep-pipeline',
      manifestKey: manifestKey('diabetes-small'),
      trialCount: 5 * 3,
      batchSize: 1,
      batchCount: 15,
    });
    await runAll('diabetes-small');
    const agg = await aggregateSweep(blobs, 'diabetes-small');
    expect(agg.trials).toEqual({ planned: 15, succeeded: 15, failed: 0, missing: 0 });
    await refitBest(blobs, 'diabetes-small', { backend: tf.getBackend() });
    board = (await sweepOf('diabetes-small').leaderboard())!;
    best = (await sweepOf('diabetes-small').best())!;
  });

  it('writes the validated spec and a manifest of small items (the batch carries the sweepId)', async () => {
    const spec = (await sweepOf('diabetes-small').rawSpec()) as { training: { optimizer: string } };
    expect(spec.training.optimizer).toBe('adam'); // defaults filled in
    const items = await loadManifest(blobs, 'diabetes-small');
    expect(items).toHaveLength(15);
    expect(new Set(items.map((i) => i.trialId)).size).toBe(15);
    for (const i of items) expect(Object.keys(i).sort()).toEqual(['configId', 'fold', 'reg', 'seed', 'trialId']);
  });

  it('writes one complete record per trial, with backend, curves and linear-free MLP fields', async () => {
    const items = await loadManifest(blobs, 'diabetes-small');
    const rec = (await recordOf('diabetes-small', items[0].trialId))!;
    expect(rec.status).toBe('succeeded');
    if (rec.status !== 'succeeded') return;
    expect(rec.backend).toBe(tf.getBackend());
    expect(rec.curves.trainLoss.length).toBe(rec.epochsRun);
    expect(rec.rows.train + rec.rows.validation).toBe(354); // 442 rows minus 88 test rows
    expect(rec.coefficients).toBeUndefined(); // hidden layer: not a linear model
  });

  it('ranks configs by mean validation loss and, under min, picks the lowest', () => {
    expect(board.configs).toHaveLength(5);
    const means = board.configs.map((c) => c.meanValLoss);
    expect(means).toEqual([...means].sort((a, b) => a - b));
    expect(board.best.configId).toBe(board.configs[0].configId);
    for (const c of board.configs) {
      expect(c.stdErr).toBeGreaterThan(0);
      expect(c.meanGap).toBeCloseTo(c.meanValLoss - c.meanTrainLoss, 6);
      expect(c.solver).toBe('adam');
    }
  });

  it('compares every config with none fold by fold: the mean paired difference is the difference of the means', () => {
    const none = board.configs.find((c) => c.reg.type === 'none')!;
    expect(none.vsNone).toBeUndefined();
    for (const c of board.configs.filter((x) => x !== none)) {
      expect(c.vsNone!.folds).toBe(3);
      expect([0, 1, 2, 3]).toContain(c.vsNone!.foldsWon);
      expect(c.vsNone!.meanDiff).toBeCloseTo(c.meanValLoss - none.meanValLoss, 9);
      expect(c.vsNone!.relDiff).toBeCloseTo(c.vsNone!.meanDiff / none.meanValLoss, 12);
      expect(c.vsNone!.beyondNoise).toBe(c.vsNone!.meanDiff < -2 * c.vsNone!.stdErr);
    }
    expect(board.notes).toEqual([]);
  });

  it('refits on all non-test rows, tests once, and the saved model loads back and predicts what refit evaluated', async () => {
    expect(best.config.configId).toBe(board.best.configId);
    expect(best.rows).toEqual({ train: 354, test: 88 });
    expect(best.test.loss).toBeGreaterThan(0);
    expect(best.test.r2).toBeGreaterThan(0.2);

    // Rebuild the test rows exactly as refit did (same split, train-only standardization from best.json).
    const { readDatasetFile } = await import('../../../../shared/data/parse');
    const { planSplits } = await import('../../../../shared/data/splits');
    const ds = await readDatasetFile(path.join(DATA_DIR, 'diabetes.csv'), { target: 'progression', task: 'regression' });
    const plan = planSplits(ds, { folds: 3, holdout: 0.2, testFraction: 0.2, seed: 7 });
    const mse = await savedModelMse(blobs, 'diabetes-small', best, ds, plan.test);
    expect(mse).toBeCloseTo(best.test.loss, 1);
    expect(Math.abs(mse - best.test.loss) / best.test.loss).toBeLessThan(1e-4);
  });
});

describe('one-standard-error', () => {
  it('picks the most regularized config on the path of the best within one standard error of it; none, added as the baseline, is its own path', async () => {
    await planSweep(blobs, {
      spec: specFor('diabetes-1se', { selection: { rule: 'one-standard-error' }, search: { types: ['l2'], lambda: [0.1, 10, 100, 1000, 20000] } }),
    });
    await runAll('diabetes-1se');
    await aggregateSweep(blobs, 'diabetes-1se');
    const board = (await sweepOf('diabetes-1se').leaderboard())!;

    expect(board.configs.map((c) => c.reg.type).sort()).toEqual(['l2', 'l2', 'l2', 'l2', 'l2', 'none']);
    expect(board.notes).toContain('none (no regularization) was added as the baseline: the spec did not list it');
    const top = board.configs[0];
    const within = board.configs.filter((c) => c.reg.type === top.reg.type && c.meanValLoss <= top.meanValLoss + top.stdErr);
    const maxLambda = Math.max(...within.map((c) => c.reg.lambda));
    expect(board.best.reg.type).toBe(top.reg.type);
    expect(board.best.reg.lambda).toBe(maxLambda);
    expect(board.best.meanValLoss).toBeLessThanOrEqual(top.meanValLoss + top.stdErr);
    // the strongest penalty (20000) underfits and is outside the band
    expect(board.configs.find((c) => c.reg.lambda === 20000)!.meanValLoss).toBeGreaterThan(top.meanValLoss + top.stdErr);
  });
});

describe('resume', () => {
  it('runs half the trials, then all: only the missing ones train', async () => {
    await planSweep(blobs, { spec: specFor('diabetes-resume') });
    const first = await runAll('diabetes-resume', (i) => i % 2 === 0);
    expect(first.every((s) => !s.skipped)).toBe(true);
    const items = await loadManifest(blobs, 'diabetes-resume');
    const before = (await recordOf('diabetes-resume', items[0].trialId))!;

    const second = await runAll('diabetes-resume');

    expect(second.filter((s) => s.skipped).map((s) => s.trialId)).toEqual(first.map((s) => s.trialId));
    expect(second.filter((s) => !s.skipped)).toHaveLength(items.length - first.length);
    const after = (await recordOf('diabetes-resume', items[0].trialId))!;
    expect(after.finishedAt).toBe(before.finishedAt); // not retrained
  });

  it('re-planning the same sweepId with the same spec is allowed, with another spec refused', async () => {
    await expect(planSweep(blobs, { spec: specFor('diabetes-resume') })).resolves.toMatchObject({ trialCount: 15 });
    await expect(planSweep(blobs, { spec: specFor('diabetes-resume', { search: { types: ['l2'], lambda: [5] } }) })).rejects.toThrow(
      /sweep diabetes-resume already exists with a different spec/,
    );
  });
});

describe('failures', () => {
  it('a failing trial writes a failed record with the error, rethrows, and aggregate counts failed and missing trials', async () => {
    await planSweep(blobs, { spec: specFor('diabetes-fail', { search: { types: ['none', 'l2'], lambda: [1, 10] } }) });
    // in the grid's order (none, l2 λ=1, l2 λ=10; fold by fold), not the manifest's batch order
    const items = (await loadManifest(blobs, 'diabetes-fail')).sort((a, b) => a.reg.lambda - b.reg.lambda || a.fold - b.fold);
    const deps = { store: blobs, caches: createCaches(), backend: tf.getBackend() };
    // a real failure inside the trial: an item whose fold does not exist
    const broken = { ...items[0], sweepId: 'diabetes-fail', fold: 9, trialId: trialId(items[0].reg, 9, items[0].seed) };
    await expect(runTrial(broken, deps)).rejects.toThrow(/fold 9 does not exist/);
    const failedRec = (await recordOf('diabetes-fail', broken.trialId)) as TrialRecord;
    expect(failedRec).toMatchObject({ status: 'failed', error: { name: 'SpecError' }, attempts: 1 });

    // run items 2 to 7; the first item's record is a failure, the second's a partial part, the last one missing
    for (const item of items.slice(2, -1)) await runTrial({ ...item, sweepId: 'diabetes-fail' }, deps);
    const sweep = sweepOf('diabetes-fail');
    await sweep.writeTrialPart(batchKeyOf(items[0].trialId, 1), [{ ...failedRec, trialId: items[0].trialId, fold: items[0].fold }] as TrialRecord[]);
    await blobs.putBytes(trialPartKey('diabetes-fail', batchKeyOf(items[1].trialId, 1), 1), Buffer.from('{"records": [{"status": "succ')); // a partial object

    const agg = await aggregateSweep(blobs, 'diabetes-fail');
    const board = (await sweep.leaderboard())!;

    expect(agg.trials).toEqual({ planned: 9, succeeded: 6, failed: 1, missing: 2 });
    expect(agg.corrupt).toBe(1);
    expect([...board.missingTrialIds].sort()).toEqual([items[1].trialId, items[8].trialId].sort());
    expect(board.failedTrials.map((f) => f.trialId)).toEqual([items[0].trialId]);
    expect(board.incomplete.map((c) => c.configId).sort()).toEqual([items[0].configId, items[8].configId].sort());
    expect(board.configs.map((c) => c.configId)).toEqual([items[3].configId]); // the one complete config
    expect(agg.best.configId).toBe(items[3].configId);
  });

  it('the trial id must match its config, fold and seed', async () => {
    const items = await loadManifest(blobs, 'diabetes-small');
    const deps = { store: blobs, caches: createCaches(), backend: tf.getBackend() };
    await expect(runTrial({ ...items[0], sweepId: 'diabetes-small', seed: 999 }, deps)).rejects.toThrow(/does not match its config, fold and seed/);
  });
});

describe('aggregating more than 1,000 records (the listing of every page: ObjectStore.listKeys, test/integration/s3.test.ts)', () => {
  it('reads every record (one object per trial, as sweeps wrote them before record parts)', async () => {
    const sweepId = 'many-records';
    const n = 1050;
    const regs: RegConfig[] = Array.from({ length: n / 3 }, (_, i) => ({ type: 'l2', lambda: i + 1, dropoutRate: 0, l1Ratio: 0 }));
    const items = regs.flatMap((reg) =>
      [0, 1, 2].map((fold) => ({ sweepId, trialId: trialId(reg, fold, 1 + fold), configId: configId(reg), fold, seed: 1 + fold, reg })),
    );
    const putJson = (key: string, value: unknown) => blobs.putBytes(key, Buffer.from(JSON.stringify(value)));
    await putJson(specKey(sweepId), {
      ...specFor(sweepId),
      search: { types: ['l2'], lambda: regs.map((r) => r.lambda) },
      limits: { maxTrials: 5000 },
    });
    await putJson(manifestKey(sweepId), items);
    const now = new Date().toISOString();
    const record = (i: (typeof items)[number]) => ({
      schemaVersion: 1,
      sweepId,
      trialId: i.trialId,
      configId: i.configId,
      fold: i.fold,
      seed: i.seed,
      reg: i.reg,
      status: 'succeeded',
      backend: 'cpu',
      task: 'regression',
      rows: { train: 10, validation: 5 },
      epochsRun: 1,
      bestEpoch: 1,
      train: { loss: 1, r2: 0.5 },
      validation: { loss: 1000 - i.reg.lambda + i.fold, r2: 0.4 },
      gap: 0,
      objective: 1,
      sparsity: 0,
      features: ['a'],
      selectedFeatures: ['a'],
      curves: { trainLoss: [1], valLoss: [1] },
      startedAt: now,
      finishedAt: now,
      durationMs: 1,
    });
    for (let i = 0; i < items.length; i += 50) await Promise.all(items.slice(i, i + 50).map((it) => putJson(legacyTrialKey(sweepId, it.trialId), record(it))));

    const agg = await aggregateSweep(blobs, sweepId);

    expect(agg.trials).toEqual({ planned: n, succeeded: n, failed: 0, missing: 0 });
    expect(agg.best.reg.lambda).toBe(n / 3); // lowest validation loss: the largest lambda
  });
});

describe('bad input', () => {
  it.each<[string, () => Promise<unknown>, RegExp]>([
    ['a bad spec', () => planSweep(blobs, { spec: { ...specFor('bad-spec'), search: { types: ['l5'] } } }), /search.types\[0\]: unknown regularization "l5"/],
    [
      'a missing dataset key',
      () =>
        planSweep(blobs, {
          spec: { ...specFor('no-data'), dataset: { source: 's3://regsweep-pipeline/datasets/nope.csv', target: 'y', task: 'regression' } },
        }),
      /dataset memory:\/\/regsweep-pipeline\/datasets\/nope.csv not found/, // the blobs' uri (s3:// from ObjectStore)
    ],
    [
      'a dataset in another bucket',
      () => planSweep(blobs, { spec: { ...specFor('other'), dataset: { source: 's3://someone-else/datasets/x.csv', target: 'y', task: 'regression' } } }),
      /is in bucket "someone-else"/,
    ],
    [
      'a local path',
      () => planSweep(blobs, { spec: { ...specFor('local'), dataset: { source: 'examples/data/diabetes.csv', target: 'y', task: 'regression' } } }),
      /must be an s3:\/\/ URI here/,
    ],
    [
      'a bad CSV in the bucket',
      async () => {
        await blobs.putBytes('datasets/bad.csv', Buffer.from('a,b,y\n1,2,3\n4,oops,6\n7,8,9\n1,1,1\n2,2,2\n3,3,3\n4,4,4\n'));
        return planSweep(blobs, {
          spec: { ...specFor('bad-csv'), dataset: { source: 's3://regsweep-pipeline/datasets/bad.csv', target: 'y', task: 'regression' } },
        });
      },
      /bad.csv row 2 \(line 3\), column "b": not a number: "oops"/,
    ],
    ['an unsafe sweepId', () => planSweep(blobs, { spec: specFor('ok'), sweepId: '../escape' }), /unsafe sweepId "..\/escape"/],
  ])('%s fails with an error naming the problem', async (_name, act, message) => {
    await expect(act()).rejects.toThrow(message);
  });
});
