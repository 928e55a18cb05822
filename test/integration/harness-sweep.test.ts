/**
 * The synthesized workflow end to end through the harness: the CDK stack's state machine, the bundles
 * NodejsFunction built, the local S3 server, and the Distributed Map emulation.
 */
import { expect } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Harness } from '../../local/harness';
import type { Leaderboard } from '../../shared/study/leaderboard';
import type { BestRecord } from '../../shared/study/best';
import type { ObjectStore } from '../../shared/store/s3';
import { SweepStore } from '../../shared/store/sweep-store';
import { SMALL_DEPLOYMENT } from '../support/harness';
import { DATA_DIR, tinyDiabetesSpec } from '../support/tf';

// A test's Harness.start synthesizes and bundles the stack when its deployment's assembly is not cached yet.
jest.setTimeout(240_000);

const spec = tinyDiabetesSpec;
/** A sweep's trial records (its record parts merged: one per trial), by trialId. */
const recordsOf = async (store: ObjectStore, sweepId: string) => new Map((await new SweepStore(store, sweepId).trials()).records.map((r) => [r.trialId, r]));

async function withHarness<T>(functionEnv: Record<string, string>, fn: (h: Harness, source: string) => Promise<T>): Promise<T> {
  const h = await Harness.start({ workers: 2, functionEnv });
  try {
    const source = await h.uploadDataset(path.join(DATA_DIR, 'diabetes.csv'));
    return await fn(h, source);
  } finally {
    await h.close();
  }
}

describe('a step that runs out of memory', () => {
  it('fails the sweep with the step, Runtime.OutOfMemory, its memory and the cdk.json setting that raises it', async () => {
    // Prepare: PlanSweep with 128 MB, and a CSV whose parsed rows need several times that
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-oom-'));
    const h = await Harness.start({ workers: 1, overrides: SMALL_DEPLOYMENT }); // planMemoryMb 128
    try {
      const header = fs.readFileSync(path.join(DATA_DIR, 'diabetes.csv'), 'utf8').split('\n')[0];
      const row = header
        .split(',')
        .map((_, i) => (0.123456 * (i + 1)).toFixed(6))
        .join(',');
      const big = path.join(dir, 'big.csv');
      fs.writeFileSync(big, `${header}\n${`${row}\n`.repeat(700_000)}`);
      const source = await h.uploadDataset(big);

      // Act
      const result = await h.runSweep(spec('oom', source, { types: ['none'] }));

      // Assess: the execution's error and cause say what died, with how much memory, and what to change
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('Runtime.OutOfMemory');
      const cause = JSON.parse(result.cause ?? '{}') as { errorType?: string; errorMessage?: string };
      expect(cause.errorType).toBe('Runtime.OutOfMemory');
      expect(cause.errorMessage).toMatch(
        /^PlanSweep ran out of memory \(Runtime\.OutOfMemory, MemorySize 128 MB\): raise "regsweep\.planMemoryMb" in cdk\.json's context/,
      );
      expect(await h.store.listKeys('sweeps/oom/')).toEqual([]);
    } finally {
      await h.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the synthesized workflow through the harness', () => {
  it('runs a small grid end to end: leaderboard, best.json, model and map results in S3', async () => {
    await withHarness({}, async (h, source) => {
      const result = await h.runSweep(spec('e2e', source, { types: ['none', 'l2', 'dropout'], lambda: [1, 100], dropout: [0.2] }));

      expect(result.status).toBe('SUCCEEDED');
      const out = result.output as { sweepId: string; aggregate: { trials: Leaderboard['trials'] }; refit: { test: { loss: number } } };
      expect(out.sweepId).toBe('e2e');
      expect(out.aggregate.trials).toEqual({ planned: 8, succeeded: 8, failed: 0, missing: 0 });
      const board = (await h.store.getJson('sweeps/e2e/leaderboard.json')) as Leaderboard;
      expect(board.configs).toHaveLength(4);
      expect(board.best.configId).toBe(board.configs[0].configId); // rule min
      const best = (await h.store.getJson('sweeps/e2e/best/best.json')) as BestRecord;
      expect(best.config.configId).toBe(board.best.configId);
      expect(best.test.loss).toBeCloseTo(out.refit.test.loss, 6);
      expect(best.backend).toMatch(/^(wasm|cpu|tensorflow)$/);
      expect(await h.store.head('sweeps/e2e/best/model.json')).toBeDefined();
      expect(await h.store.head('sweeps/e2e/best/weights.bin')).toBeDefined();
      const written = await h.store.listKeys('sweeps/e2e/map-results/');
      expect(written.some((k) => k.endsWith('/manifest.json'))).toBe(true);
      expect(written.some((k) => k.endsWith('/SUCCEEDED_0.json'))).toBe(true);
    });
  });

  it('tolerates failures up to the percentage (10% by default): the sweep succeeds and lists them', async () => {
    // 10 configs x 2 folds = 20 trials; one config fails on both folds: 2/20 = 10%, not over the threshold
    await withHarness({ REGSWEEP_FAULTS: JSON.stringify([{ match: { lambda: 1000 }, action: 'fail' }]) }, async (h, source) => {
      const result = await h.runSweep(spec('tolerated', source, { types: ['none', 'l2'], lambda: [0.01, 0.1, 1, 3, 10, 30, 100, 300, 1000] }));

      expect(result.status).toBe('SUCCEEDED');
      const board = (await h.store.getJson('sweeps/tolerated/leaderboard.json')) as Leaderboard;
      expect(board.trials).toEqual({ planned: 20, succeeded: 18, failed: 2, missing: 0 });
      expect(board.failedTrials).toHaveLength(2);
      for (const f of board.failedTrials) expect(f.error).toEqual({ name: 'InjectedFaultError', message: expect.stringMatching(/always fails/) });
      expect(board.incomplete.map((c) => c.label)).toEqual(['l2 λ=1000']);
      expect(board.configs.map((c) => c.reg.lambda)).not.toContain(1000);
    });
  });

  it('over the tolerated percentage the sweep fails with States.ExceedToleratedFailureThreshold and says where the records are', async () => {
    const rules = [1, 10, 100].map((lambda) => ({ match: { lambda }, action: 'fail' }));
    await withHarness({ REGSWEEP_FAULTS: JSON.stringify(rules) }, async (h, source) => {
      const result = await h.runSweep(spec('too-many', source, { types: ['none', 'l2'], lambda: [0.01, 0.1, 1, 3, 10, 30, 100, 300, 1000] }));

      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('States.ExceedToleratedFailureThreshold');
      expect(result.cause).toMatch(/sweeps\/too-many\/trials\//);
      // every failed trial left its record
      const failed = [...(await recordsOf(h.store, 'too-many')).values()].filter((r) => r.status === 'failed');
      expect(failed.length).toBeGreaterThanOrEqual(3);
      expect(await h.store.head('sweeps/too-many/leaderboard.json')).toBeUndefined();
    });
  });
});

describe('trials in batches through the harness (a linear sweep, batches of one lambda path)', () => {
  // 9 lambdas x 2 folds of l2 + none on 2 folds = 20 trials; limits.batchSize 9: batches [path fold 0], [path fold 1], [none x 2]
  const lambda = [0.01, 0.1, 1, 3, 10, 30, 100, 300, 1000];
  const linear = (sweepId: string, source: string) =>
    spec(sweepId, source, { types: ['none', 'l2'], lambda }, { model: { hidden: [] }, limits: { batchSize: 9 } });
  const failing = (matches: Record<string, unknown>[]) => ({ REGSWEEP_FAULTS: JSON.stringify(matches.map((match) => ({ match, action: 'fail' }))) });

  it('one trial failing in the middle of its batch: the rest of the batch runs, the failure is counted once, the sweep goes on (5% <= 10%)', async () => {
    await withHarness(failing([{ type: 'l2', lambda: 10, fold: 0 }]), async (h, source) => {
      const result = await h.runSweep(linear('batch-under', source));

      expect(result.status).toBe('SUCCEEDED');
      expect(h.poolStats().invocations).toBe(3 + 3); // 3 batches + plan, aggregate, refit
      const board = (await h.store.getJson('sweeps/batch-under/leaderboard.json')) as Leaderboard;
      expect(board.trials).toEqual({ planned: 20, succeeded: 19, failed: 1, missing: 0 });
      expect(board.failedTrials).toEqual([
        expect.objectContaining({ fold: 0, error: { name: 'InjectedFaultError', message: expect.stringMatching(/always fails/) } }),
      ]);
      expect((await recordsOf(h.store, 'batch-under')).size).toBe(20); // one record per trial
      expect(await new SweepStore(h.store, 'batch-under').recordsWritten()).toBe(20); // and none written twice
      // the failing trial's batch succeeded as a child execution, and its output counts the trial
      const results = await h.store.listKeys('sweeps/batch-under/map-results/');
      expect(results.some((k) => k.endsWith('/FAILED_0.json'))).toBe(false);
      const rows = (await h.store.getJson(results.find((k) => k.endsWith('/SUCCEEDED_0.json'))!)) as { succeeded: number; failed: number }[];
      expect(rows.map((r) => [r.succeeded, r.failed]).sort()).toEqual([
        [2, 0],
        [8, 1],
        [9, 0],
      ]);
    });
  });

  it('failed trials over the percentage, every batch succeeding: the sweep fails with the per-trial count (3 of 20 = 15% > 10%)', async () => {
    await withHarness(failing([{ lambda: 10 }, { lambda: 100, fold: 0 }]), async (h, source) => {
      const result = await h.runSweep(linear('batch-over', source));

      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('States.ExceedToleratedFailureThreshold');
      expect(result.cause).toMatch(/^3 of 20 trials failed \(3 with a failed record, 0 without a record\): 15% is over the tolerated 10%\./);
      expect(result.cause).toMatch(/sweeps\/batch-over\/trials\//);
      expect(await h.store.head('sweeps/batch-over/leaderboard.json')).toBeUndefined();
      expect((await recordsOf(h.store, 'batch-over')).size).toBe(20);
    });
  });

  it('a batch cut by its timeout mid-path, then the same sweep again: completed trials are skipped, the rest run', async () => {
    const s3Dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-batch-resume-'));
    try {
      // 1. the fold-0 path sleeps at lambda 10 (its 5th trial) past the 15 s timeout (SMALL_DEPLOYMENT): 9 of 20 trials in a failed batch.
      // (15 s, not less: the time guard would rightly refuse to start trials after a first one slowed by a cold start.)
      const sleep = [{ match: { type: 'l2', lambda: 10, fold: 0 }, action: 'sleep', seconds: 60 }];
      const first = await Harness.start({ workers: 2, s3Dir, overrides: SMALL_DEPLOYMENT, functionEnv: { REGSWEEP_FAULTS: JSON.stringify(sleep) } });
      let before: Map<string, unknown>;
      try {
        const source = await first.uploadDataset(path.join(DATA_DIR, 'diabetes.csv'));
        const result = await first.runSweep(linear('batch-resume', source));
        expect(result.status).toBe('FAILED');
        expect(result.error).toBe('States.ExceedToleratedFailureThreshold');
        expect(result.cause).toMatch(/^More than 10% of the 20 trials were in batches that failed as a whole/);
        before = await recordsOf(first.store, 'batch-resume');
        // the cut batch kept the 4 trials it finished (lambda 1000, 300, 100, 30: written as a part RECORD_FLUSH_MS
        // after the batch began, while the 5th slept); the other two batches finished
        expect(before.size).toBe(4 + 9 + 2);
      } finally {
        await first.close();
      }

      // 2. the same sweep again, without the fault
      const second = await Harness.start({ workers: 2, s3Dir });
      try {
        const source = `s3://${second.bucket}/datasets/diabetes.csv`;
        const result = await second.runSweep(linear('batch-resume', source));
        expect(result.status).toBe('SUCCEEDED');
        const board = (await second.store.getJson('sweeps/batch-resume/leaderboard.json')) as Leaderboard;
        expect(board.trials).toEqual({ planned: 20, succeeded: 20, failed: 0, missing: 0 });
        const after = await recordsOf(second.store, 'batch-resume');
        for (const [id, record] of before) expect(after.get(id)).toEqual(record); // skipped, not trained again
        expect(second.poolStats().invocations).toBe(3 + 3);
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(s3Dir, { recursive: true, force: true });
    }
  });
});
