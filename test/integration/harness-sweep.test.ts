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
import type { BestRecord } from '../../shared/store/artifacts';
import { DATA_DIR, tinyDiabetesSpec } from '../support/tf';

const spec = tinyDiabetesSpec;

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
    const h = await Harness.start({ workers: 1, overrides: { planMemoryMb: 128 } });
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
      const failed = [];
      for (const key of await h.store.listKeys('sweeps/too-many/trials/')) {
        const rec = (await h.store.getJson(key)) as { status: string };
        if (rec.status === 'failed') failed.push(key);
      }
      expect(failed.length).toBeGreaterThanOrEqual(3);
      expect(await h.store.head('sweeps/too-many/leaderboard.json')).toBeUndefined();
    });
  });
});
