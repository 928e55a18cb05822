/**
 * Reliability of the steps themselves, on a bucket in memory (MemoryBlobs): a record is validated on read (a
 * partial or invalid one counts as missing, never as a result, and a rerun trains it again), and ids cannot
 * escape sweeps/<id>/. What needs the workflow, the bundles and the local S3 server (retries, timeouts, an
 * outage, a killed process) is in test/integration/reliability.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { aggregateSweep } from '../../../../shared/steps/aggregate';
import { createCaches } from '../../../../shared/steps/context';
import { planSweep } from '../../../../shared/steps/plan';
import { batchKeyOf, batchPrefix } from '../../../../shared/store/layout';
import { MemoryBlobs } from '../../../../shared/store/memory-blobs';
import { SweepStore } from '../../../../shared/store/sweep-store';
import type { TrialRecord } from '../../../../shared/study/records';
import { accountForEveryTrial, keysOutside, plannedItems, trialObjects } from '../../../support/reliability';
import { DATA_DIR, ready, tinyDiabetesSpec as spec } from '../../../support/tf';
import { runTrial } from '../../../support/trial';

const BUCKET = 'regsweep-reliability';
const blobs = new MemoryBlobs(BUCKET);
const SOURCE = `s3://${BUCKET}/datasets/diabetes.csv`;
const putJson = (key: string, value: unknown) => blobs.putBytes(key, Buffer.from(JSON.stringify(value)));

/** Every trial of the manifest in turn, each as its own batch (an MLP sweep's default: one trial a batch), as the Map would. */
async function runAll(sweepId: string) {
  const deps = { store: blobs, caches: createCaches(), backend: tf.getBackend() };
  for (const item of await plannedItems(blobs, sweepId)) await runTrial(item, deps);
}

beforeAll(async () => {
  await ready();
  await blobs.putBytes('datasets/diabetes.csv', fs.readFileSync(path.join(DATA_DIR, 'diabetes.csv')));
});

describe('nothing lost: objects are written whole and validated on read', () => {
  it('a partial or corrupt record is never counted: aggregate treats it as missing, and a rerun trains it again', async () => {
    await planSweep(blobs, { spec: spec('corrupt', SOURCE, { types: ['none', 'l2'], lambda: [1, 100] }) });
    await runAll('corrupt');
    const items = await plannedItems(blobs, 'corrupt');
    const before = await trialObjects(blobs, 'corrupt');
    const [truncated, invalid, wrongType] = items;
    // each trial's record is the one part under trials/<trialId>+1/
    const partOf = async (id: string) => (await blobs.listKeys(batchPrefix('corrupt', batchKeyOf(id, 1))))[0];
    const full = JSON.stringify({ records: [before.get(truncated.trialId)] });
    await blobs.putBytes(await partOf(truncated.trialId), Buffer.from(full.slice(0, full.length >> 1)));
    // valid JSON, but not a complete record: no metrics
    await putJson(await partOf(invalid.trialId), { records: [{ schemaVersion: 1, trialId: invalid.trialId, status: 'succeeded' }] });
    // a complete-looking record whose validation loss is a string
    const rec = before.get(wrongType.trialId) as TrialRecord & { validation: { loss: unknown } };
    await putJson(await partOf(wrongType.trialId), { records: [{ ...rec, validation: { ...rec.validation, loss: '0.1' } }] });

    const agg = await aggregateSweep(blobs, 'corrupt');
    expect(agg.corrupt).toBe(3);
    expect(agg.trials).toEqual({ planned: 6, succeeded: 3, failed: 0, missing: 3 });
    const board = (await new SweepStore(blobs, 'corrupt').leaderboard())!;
    expect([...board.missingTrialIds].sort()).toEqual([truncated.trialId, invalid.trialId, wrongType.trialId].sort());

    // the same sweep again: only the three bad records are trained again, the others are kept as they were
    await runAll('corrupt');
    const after = await trialObjects(blobs, 'corrupt');
    for (const item of items) {
      const a = after.get(item.trialId);
      expect(a?.status).toBe('succeeded');
      const redone = [truncated, invalid, wrongType].includes(item);
      if (redone) expect(a!.finishedAt).not.toBe(before.get(item.trialId)!.finishedAt);
      else expect(a!.finishedAt).toBe(before.get(item.trialId)!.finishedAt);
    }
    expect((await aggregateSweep(blobs, 'corrupt')).trials).toEqual({ planned: 6, succeeded: 6, failed: 0, missing: 0 });
    await accountForEveryTrial(blobs, 'corrupt');
  });
});

describe('security: ids and keys cannot escape sweeps/<id>/', () => {
  it('a tampered trial event is refused before anything is written', async () => {
    await planSweep(blobs, { spec: spec('safe', SOURCE, { types: ['none'] }) });
    const [item] = await plannedItems(blobs, 'safe');
    const deps = { store: blobs, caches: createCaches(), backend: tf.getBackend() };
    for (const [event, message] of [
      [{ ...item, sweepId: '../datasets' }, /unsafe sweepId "..\/datasets"/],
      [{ ...item, sweepId: 'safe/../../x' }, /unsafe sweepId/],
      [{ ...item, trialId: '../../../datasets/evil' }, /unsafe trialId/],
      [{ ...item, trialId: 't-0000000000000000' }, /does not match its config, fold and seed/],
    ] as const) {
      await expect(runTrial(event, deps)).rejects.toThrow(message);
    }
    expect(await keysOutside(blobs, ['safe', 'corrupt'])).toEqual([]);
    expect(await blobs.listKeys('sweeps/safe/trials/')).toEqual([]); // nothing written for any of them
  });
});
