/**
 * Trials in batches, through the real steps against the local S3 server: one record per trial, resume inside a
 * batch, a failing trial isolated from the rest of its batch, the time guard, a record that does not depend on
 * the batch it ran in, and Aggregate's tolerated failures counted trial by trial.
 */
import { expect } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { trialId } from '../../shared/search/grid';
import { failedRecord } from '../../shared/training/fit';
import { aggregateSweep, loadManifest } from '../../shared/steps/aggregate';
import { createCaches } from '../../shared/steps/context';
import { planSweep } from '../../shared/steps/plan';
import { runTrialBatch, runTrialStep, TIME_GUARD_MARGIN_MS } from '../../shared/steps/trial';
import { leaderboardKey } from '../../shared/store/layout';
import { SweepStore } from '../../shared/store/sweep-store';
import type { SucceededTrial } from '../../shared/study/records';
import { useLocalS3 } from '../support/s3';
import { DATA_DIR, ready } from '../support/tf';

const BUCKET = 'regsweep-batches';
const s3 = useLocalS3(BUCKET);
const DATASET = 'datasets/diabetes.csv';

const linearSpec = (sweepId: string) => ({
  sweepId,
  dataset: { source: `s3://${BUCKET}/${DATASET}`, target: 'progression', task: 'regression' },
  model: { hidden: [] },
  validation: { folds: 2, testFraction: 0.2, seed: 5 },
  search: { types: ['l1', 'elasticnet', 'l2'], lambda: [0.1, 1, 10, 100] },
});

const deps = () => ({ store: s3.store, caches: createCaches(), backend: tf.getBackend() });
const batchOf = async (sweepId: string) => ({ Items: await loadManifest(s3.store, sweepId), BatchInput: { sweepId } });

beforeAll(async () => {
  await ready();
  await s3.store.putBytes(DATASET, fs.readFileSync(path.join(DATA_DIR, 'diabetes.csv')), 'text/csv');
});

describe('a batch of trials', () => {
  it('writes one record per trial, each equal to the trial run alone (warm starts along the path change nothing beyond 1e-6)', async () => {
    // Prepare: 3 types x 4 lambdas x 2 folds + none x 2 folds = 26 trials, all in one batch
    const plan = await planSweep(s3.store, { spec: linearSpec('batch-all') });
    expect(plan).toMatchObject({ trialCount: 26, batchSize: 100 - (100 % 4), batchCount: 1 });
    const batch = await batchOf('batch-all');

    // Act
    const summary = await runTrialBatch(batch, deps());

    // Assess: an outcome and a record per trial
    expect(summary).toMatchObject({ sweepId: 'batch-all', succeeded: 26, skipped: 0, failed: 0 });
    expect(summary.trials.map((t) => t.trialId)).toEqual(batch.Items.map((i) => i.trialId));
    const sweep = new SweepStore(s3.store, 'batch-all');
    expect(await sweep.trialIds()).toEqual(batch.Items.map((i) => i.trialId).sort());
    // Each trial alone, in a fresh container (no cache, so no warm start), gives the same answer.
    await planSweep(s3.store, { spec: linearSpec('batch-alone') });
    for (const item of batch.Items) {
      await runTrialStep({ ...item, sweepId: 'batch-alone' }, deps());
      const inBatch = (await sweep.trial(item.trialId)) as SucceededTrial;
      const alone = (await new SweepStore(s3.store, 'batch-alone').trial(item.trialId)) as SucceededTrial;
      const scale = Math.max(...Object.values(alone.coefficients!).map(Math.abs), 1e-12);
      for (const [feature, w] of Object.entries(alone.coefficients!)) expect(Math.abs(inBatch.coefficients![feature] - w)).toBeLessThanOrEqual(1e-6 * scale);
      // the loss is evaluated in float32 (about 6e-8 relative): equal to 1e-6 of itself
      expect(Math.abs(inBatch.validation!.loss! - alone.validation!.loss!)).toBeLessThanOrEqual(1e-6 * alone.validation!.loss!);
    }
  });

  it('resumes inside a batch: trials with a complete record are skipped and keep it, the others run', async () => {
    // Prepare: the first half of the batch already ran (an interrupted batch)
    await planSweep(s3.store, { spec: linearSpec('batch-resume') });
    const batch = await batchOf('batch-resume');
    const half = batch.Items.slice(0, 13);
    await runTrialBatch({ ...batch, Items: half }, deps());
    const sweep = new SweepStore(s3.store, 'batch-resume');
    const before = await Promise.all(half.map((i) => sweep.trial(i.trialId)));

    // Act
    const summary = await runTrialBatch(batch, deps());

    // Assess
    expect(summary).toMatchObject({ succeeded: 13, skipped: 13, failed: 0 });
    expect(summary.trials.slice(0, 13).every((t) => t.status === 'succeeded' && t.skipped)).toBe(true);
    expect(await Promise.all(half.map((i) => sweep.trial(i.trialId)))).toEqual(before); // not rewritten
    expect(await sweep.trialIds()).toHaveLength(26);
  });

  it('a failing trial writes its failed record and the rest of its batch goes on', async () => {
    await planSweep(s3.store, { spec: linearSpec('batch-fail') });
    const batch = await batchOf('batch-fail');
    // a real failure inside the trial: an item whose fold does not exist, in the middle of the batch
    const [a, b, ...rest] = batch.Items;
    const broken = { ...a, fold: 9, trialId: trialId(a.reg, 9, a.seed) };

    const summary = await runTrialBatch({ ...batch, Items: [a, broken, b, ...rest] }, deps());

    expect(summary).toMatchObject({ succeeded: 26, skipped: 0, failed: 1 });
    expect(summary.trials[1]).toEqual({
      trialId: broken.trialId,
      status: 'failed',
      error: { name: 'SpecError', message: expect.stringMatching(/fold 9 does not exist/) },
    });
    const sweep = new SweepStore(s3.store, 'batch-fail');
    expect(await sweep.trial(broken.trialId)).toMatchObject({ status: 'failed', error: { name: 'SpecError' } });
    expect(await sweep.trial(b.trialId)).toMatchObject({ status: 'succeeded' });
  });

  it('the time guard starts no trial the invocation is unlikely to finish: it records it failed, and a resume runs it', async () => {
    await planSweep(s3.store, { spec: linearSpec('batch-guard') });
    const batch = await batchOf('batch-guard');
    const items = batch.Items.slice(0, 3);

    // less time left than the margin: only the first trial starts
    const summary = await runTrialBatch({ ...batch, Items: items }, { ...deps(), remainingMs: () => TIME_GUARD_MARGIN_MS - 1 });

    expect(summary).toMatchObject({ succeeded: 1, failed: 2 });
    const sweep = new SweepStore(s3.store, 'batch-guard');
    for (const item of items.slice(1)) {
      expect(await sweep.trial(item.trialId)).toMatchObject({
        status: 'failed',
        error: { name: 'BatchTimeBudgetError', message: expect.stringMatching(/not started: .*lower limits\.batchSize \(this batch held 3 trials\)/) },
      });
    }
    const resumed = await runTrialBatch({ ...batch, Items: items }, deps());
    expect(resumed).toMatchObject({ succeeded: 2, skipped: 1, failed: 0 });
  });
});

describe("Aggregate's tolerated failures, trial by trial", () => {
  it('over the percentage: no leaderboard, and a cause naming the failed and missing trials; at it: the leaderboard', async () => {
    // Prepare: 26 trials; 2 fail (a tampered fold) and 1 never runs: 3/26 = 11.5%
    await planSweep(s3.store, { spec: linearSpec('tolerance') });
    const batch = await batchOf('tolerance');
    await runTrialBatch({ ...batch, Items: batch.Items.slice(0, -1) }, deps());
    const sweep = new SweepStore(s3.store, 'tolerance');
    for (const item of batch.Items.slice(0, 2)) await sweep.writeTrial(failedRecord({ ...item, sweepId: 'tolerance' }, new Error('x'), new Date(), 1));

    // Act
    const over = await aggregateSweep(s3.store, 'tolerance', 11);
    const at = await aggregateSweep(s3.store, 'tolerance', 11.6);

    // Assess
    expect(over).toEqual({
      sweepId: 'tolerance',
      tooManyFailed: true,
      trials: { planned: 26, failed: 2, missing: 1 },
      cause: expect.stringMatching(/^3 of 26 trials failed \(2 with a failed record, 1 without a record\): 11\.5% is over the tolerated 11%/),
    });
    expect(at).toMatchObject({ tooManyFailed: false, trials: { planned: 26, succeeded: 23, failed: 2, missing: 1 } });
    expect(await s3.store.getJson(leaderboardKey('tolerance'))).toBeDefined();
  });
});
