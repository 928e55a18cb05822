/**
 * Trials in batches, through the real steps on a bucket in memory (MemoryBlobs): one record per trial (written in parts
 * of the batch's records), resume inside a batch (one LIST of its parts), a crash losing only the records not yet
 * written, a failing trial isolated from the rest of its batch, the time guard, a record that does not depend on
 * the batch it ran in, a part that cannot be written failing the batch, and Aggregate's tolerated failures
 * counted trial by trial.
 */
import { expect } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { trialId } from '../../../../shared/search/grid';
import { failedRecord } from '../../../../shared/training/fit';
import { aggregateSweep, loadManifest } from '../../../../shared/steps/aggregate';
import { createCaches } from '../../../../shared/steps/context';
import { planSweep } from '../../../../shared/steps/plan';
import type { TrialEvent } from '../../../../shared/steps/events';
import { FailureNotRecordedError, runTrialBatch, TIME_GUARD_MARGIN_MS } from '../../../../shared/steps/trial';
import { batchKeyOf, batchPrefix, RECORD_FLUSH_MS } from '../../../../shared/store/layout';
import type { BucketBlobs } from '../../../../shared/store/blobs';
import { MemoryBlobs } from '../../../../shared/store/memory-blobs';
import { SweepStore } from '../../../../shared/store/sweep-store';
import type { SucceededTrial, TrialRecord } from '../../../../shared/study/records';
import { DATA_DIR, ready } from '../../../support/tf';
import { runTrial } from '../../../support/trial';

const BUCKET = 'regsweep-batches';
const blobs = new MemoryBlobs(BUCKET);
const DATASET = 'datasets/diabetes.csv';

const linearSpec = (sweepId: string) => ({
  sweepId,
  dataset: { source: `s3://${BUCKET}/${DATASET}`, target: 'progression', task: 'regression' },
  model: { hidden: [] },
  validation: { folds: 2, testFraction: 0.2, seed: 5 },
  search: { types: ['l1', 'elasticnet', 'l2'], lambda: [0.1, 1, 10, 100] },
});

const deps = () => ({ store: blobs, caches: createCaches(), backend: tf.getBackend() });
const batchOf = async (sweepId: string) => ({ Items: await loadManifest(blobs, sweepId), BatchInput: { sweepId } });
/** Every trial's record (SweepStore.trials: the parts merged, one record per trial). */
const recordsOf = async (sweepId: string) => new Map((await new SweepStore(blobs, sweepId).trials()).records.map((r) => [r.trialId, r]));
/** The parts a batch wrote, in write order: their keys and records as stored. */
async function partsOf(sweepId: string, batchKey: string): Promise<{ key: string; ids: string[] }[]> {
  const keys = await blobs.listKeys(batchPrefix(sweepId, batchKey));
  const recordsIn = async (key: string) => (JSON.parse(Buffer.from((await blobs.getBytes(key))!.body).toString('utf8')) as { records: TrialRecord[] }).records;
  return Promise.all(keys.map(async (key) => ({ key, ids: (await recordsIn(key)).map((r) => r.trialId) })));
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The bucket until `dead`: then every PUT fails, as nothing a killed invocation would still write lands. */
class DyingBlobs implements BucketBlobs {
  dead = false;
  constructor(private readonly inner: BucketBlobs) {}
  get bucket() {
    return this.inner.bucket;
  }
  uri = (key: string) => this.inner.uri(key);
  getBytes = (key: string) => this.inner.getBytes(key);
  head = (key: string) => this.inner.head(key);
  listKeys = (prefix: string) => this.inner.listKeys(prefix);
  putBytes(key: string, body: Uint8Array, contentType?: string): Promise<void> {
    if (this.dead) return Promise.reject(new Error(`the invocation died before writing ${key} (injected)`));
    return this.inner.putBytes(key, body, contentType);
  }
}

beforeAll(async () => {
  await ready();
  await blobs.putBytes(DATASET, fs.readFileSync(path.join(DATA_DIR, 'diabetes.csv')));
});

describe('a batch of trials', () => {
  it('writes one record per trial, each equal to the trial run alone (warm starts along the path change nothing beyond 1e-6)', async () => {
    // Prepare: 3 types x 4 lambdas x 2 folds + none x 2 folds = 26 trials, all in one batch
    const plan = await planSweep(blobs, { spec: linearSpec('batch-all') });
    expect(plan).toMatchObject({ trialCount: 26, batchSize: 100 - (100 % 4), batchCount: 1 });
    const batch = await batchOf('batch-all');

    // Act
    const summary = await runTrialBatch(batch, deps());

    // Assess: an outcome and a record per trial, in parts of the batch's key that hold every trial exactly once
    expect(summary).toMatchObject({ sweepId: 'batch-all', succeeded: 26, skipped: 0, failed: 0 });
    expect(summary.trials.map((t) => t.trialId)).toEqual(batch.Items.map((i) => i.trialId));
    const records = await recordsOf('batch-all');
    expect([...records.keys()].sort()).toEqual(batch.Items.map((i) => i.trialId).sort());
    const parts = await partsOf('batch-all', batchKeyOf(batch.Items[0].trialId, 26));
    expect(parts.flatMap((p) => p.ids).sort()).toEqual(batch.Items.map((i) => i.trialId).sort()); // every trial, none twice
    expect((await blobs.listKeys('sweeps/batch-all/trials/')).length).toBe(parts.length); // nothing but the parts
    // Each trial alone, in a fresh container (no cache, so no warm start), gives the same answer.
    await planSweep(blobs, { spec: linearSpec('batch-alone') });
    for (const item of batch.Items) await runTrial({ ...item, sweepId: 'batch-alone' }, deps());
    const aloneRecords = await recordsOf('batch-alone');
    for (const item of batch.Items) {
      const inBatch = records.get(item.trialId) as SucceededTrial;
      const alone = aloneRecords.get(item.trialId) as SucceededTrial;
      const scale = Math.max(...Object.values(alone.coefficients!).map(Math.abs), 1e-12);
      for (const [feature, w] of Object.entries(alone.coefficients!)) expect(Math.abs(inBatch.coefficients![feature] - w)).toBeLessThanOrEqual(1e-6 * scale);
      // the loss is evaluated in float32 (about 6e-8 relative): equal to 1e-6 of itself
      expect(Math.abs(inBatch.validation!.loss! - alone.validation!.loss!)).toBeLessThanOrEqual(1e-6 * alone.validation!.loss!);
    }
  });

  it('a batch that dies after its first part loses only the records not yet written; run again, it skips the written trials and writes only the rest', async () => {
    // Prepare: trial 5 is slow (past RECORD_FLUSH_MS), so trials 0-4 are written as a part while it runs; trials
    // 5-8 complete and wait for the next part; at trial 9 the invocation dies: from then on nothing it writes lands
    // (the store below refuses every PUT, as a killed process makes none)
    await planSweep(blobs, { spec: linearSpec('batch-crash') });
    const batch = await batchOf('batch-crash');
    const batchKey = batchKeyOf(batch.Items[0].trialId, 26);
    const ids = batch.Items.map((i) => i.trialId);
    const dying = new DyingBlobs(blobs);
    const beforeTrain = async (e: TrialEvent) => {
      const i = ids.indexOf(e.trialId);
      if (i === 5) await sleep(RECORD_FLUSH_MS + 100);
      if (i === 9) dying.dead = true;
    };
    await expect(runTrialBatch(batch, { ...deps(), store: dying, beforeTrain })).rejects.toThrow(/could not write the records of trials .*the invocation died/);
    const written = await recordsOf('batch-crash');
    expect([...written.keys()].sort()).toEqual(ids.slice(0, 5).sort()); // 5-8 finished, but died with the invocation

    // Act: the batch again (the Map's retry, or a resumed sweep), in a fresh container
    const again = await runTrialBatch(batch, deps());

    // Assess: the 5 written trials skipped and kept as they were, the other 21 (5-8 included) trained and written
    expect(again).toMatchObject({ succeeded: 21, skipped: 5, failed: 0 });
    expect(again.trials.slice(0, 5).every((t) => t.status === 'succeeded' && t.skipped)).toBe(true);
    const after = await recordsOf('batch-crash');
    for (const id of ids.slice(0, 5)) expect(after.get(id)).toEqual(written.get(id));
    expect(after.size).toBe(26);
    // the first run's part(s) hold trials 0-4, the second run's the rest: every trial once
    expect((await partsOf('batch-crash', batchKey)).flatMap((p) => p.ids).sort()).toEqual([...ids].sort());
  });

  it('records completed before a trial that hangs are written within RECORD_FLUSH_MS, not held back until it ends', async () => {
    await planSweep(blobs, { spec: linearSpec('batch-hang') });
    const batch = await batchOf('batch-hang');
    const ids = batch.Items.map((i) => i.trialId);
    let release!: () => void;
    const hang = new Promise<void>((resolve) => (release = resolve));
    const run = runTrialBatch(batch, { ...deps(), beforeTrain: (e) => (e.trialId === ids[3] ? hang : Promise.resolve()) });
    await sleep(RECORD_FLUSH_MS + 1000);
    expect([...(await recordsOf('batch-hang')).keys()].sort()).toEqual(ids.slice(0, 3).sort()); // trial 3 still hangs
    release();
    expect(await run).toMatchObject({ succeeded: 26, failed: 0 });
  });

  it('a failing trial writes its failed record and the rest of its batch goes on', async () => {
    await planSweep(blobs, { spec: linearSpec('batch-fail') });
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
    const records = await recordsOf('batch-fail');
    expect(records.get(broken.trialId)).toMatchObject({ status: 'failed', error: { name: 'SpecError' }, attempts: 1 });
    expect(records.get(b.trialId)).toMatchObject({ status: 'succeeded' });
    expect(records.size).toBe(27);

    // run again: the failed trial is tried again (its attempts counted), the others skipped
    const again = await runTrialBatch({ ...batch, Items: [a, broken, b, ...rest] }, deps());
    expect(again).toMatchObject({ succeeded: 0, skipped: 26, failed: 1 });
    expect((await recordsOf('batch-fail')).get(broken.trialId)).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('the time guard starts no trial the invocation is unlikely to finish: it records it failed, and a resume runs it', async () => {
    await planSweep(blobs, { spec: linearSpec('batch-guard') });
    const batch = await batchOf('batch-guard');
    const items = batch.Items.slice(0, 3);

    // less time left than the margin: only the first trial starts
    const summary = await runTrialBatch({ ...batch, Items: items }, { ...deps(), remainingMs: () => TIME_GUARD_MARGIN_MS - 1 });

    expect(summary).toMatchObject({ succeeded: 1, failed: 2 });
    const records = await recordsOf('batch-guard');
    for (const item of items.slice(1)) {
      expect(records.get(item.trialId)).toMatchObject({
        status: 'failed',
        error: { name: 'BatchTimeBudgetError', message: expect.stringMatching(/not started: .*lower limits\.batchSize \(this batch held 3 trials\)/) },
      });
    }
    const resumed = await runTrialBatch({ ...batch, Items: items }, deps());
    expect(resumed).toMatchObject({ succeeded: 2, skipped: 1, failed: 0 });
    // the succeeded records win over the failed ones written before them
    expect([...(await recordsOf('batch-guard')).values()].map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('a part that cannot be written fails the batch, naming the failed trial whose record would be lost', async () => {
    // Prepare: a store that refuses every PUT from just before the last trial on (on S3: the bucket removed, a
    // network cut; what S3 answers then is ObjectStore's business, test/integration/s3.test.ts)
    await planSweep(blobs, { spec: linearSpec('batch-doomed') });
    const [a, b] = await loadManifest(blobs, 'batch-doomed');
    const broken = { ...a, fold: 9, trialId: trialId(a.reg, 9, a.seed) };
    const store = new DyingBlobs(blobs);
    const beforeTrain = async (e: TrialEvent) => {
      if (e.trialId !== broken.trialId) return;
      await sleep(200); // any part in flight lands first
      store.dead = true;
    };

    // Act
    const run = runTrialBatch({ Items: [a, b, broken], BatchInput: { sweepId: 'batch-doomed' } }, { ...deps(), store, beforeTrain });

    // Assess
    await expect(run).rejects.toThrow(FailureNotRecordedError);
    await expect(run).rejects.toThrow(
      new RegExp(`^trial ${broken.trialId} failed \\(SpecError: .*fold 9 does not exist.*\\), and the failed record could not be written: `),
    );
  });
});

describe("Aggregate's tolerated failures, trial by trial", () => {
  it('over the percentage: no leaderboard, and a cause naming the failed and missing trials; at it: the leaderboard', async () => {
    // Prepare: 26 trials; 2 fail, each twice (two failed records in two parts: still one failed trial each), 1 never
    // runs, and 1 failed before it succeeded (a succeeded trial): 3/26 = 11.5%
    await planSweep(blobs, { spec: linearSpec('tolerance') });
    const batch = await batchOf('tolerance');
    const batchKey = batchKeyOf(batch.Items[0].trialId, 26);
    const sweep = new SweepStore(blobs, 'tolerance');
    const failed = (attempts: number) =>
      batch.Items.slice(0, 3).map((item) => failedRecord({ ...item, sweepId: 'tolerance' }, new Error('x'), new Date(), attempts));
    await sweep.writeTrialPart(batchKey, failed(1));
    await sweep.writeTrialPart(batchKey, failed(2));
    await runTrialBatch({ ...batch, Items: batch.Items.slice(2, -1) }, deps());

    // Act
    const over = await aggregateSweep(blobs, 'tolerance', 11);
    const at = await aggregateSweep(blobs, 'tolerance', 11.6);

    // Assess
    expect(over).toEqual({
      sweepId: 'tolerance',
      tooManyFailed: true,
      trials: { planned: 26, failed: 2, missing: 1 },
      cause: expect.stringMatching(/^3 of 26 trials failed \(2 with a failed record, 1 without a record\): 11\.5% is over the tolerated 11%/),
    });
    expect(at).toMatchObject({ tooManyFailed: false, trials: { planned: 26, succeeded: 23, failed: 2, missing: 1 } });
    expect(await sweep.leaderboard()).toBeDefined();
  });
});
