/**
 * Reliability: a sweep survives what happens in real accounts, run through the harness (the synthesized state
 * machine, the cdk.out bundles in worker threads, the local S3 server). Fault hooks (functions/lib/faults.ts) are
 * test-only: REGSWEEP_FAULTS is set here through Harness.start({ functionEnv }), never by the stack.
 *
 * After every fault, nothing is lost: every planned trial is a complete record, a failed record with its error,
 * or (a trial that died without writing) a failed child execution of the map run with its error; and nothing is
 * written outside datasets/ and sweeps/<id>/. What the steps do alone (records validated on read, tampered trial
 * events) runs on MemoryBlobs in test/unit/shared/steps/reliability.test.ts; the S3 clients' retry schedule in
 * test/unit/shared/store/s3.test.ts.
 */
import { expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Harness } from '../../local/harness';
import type { MapRunEvent } from '../../local/runner';
import { batchKeyOf, batchPrefix, leaderboardKey } from '../../shared/store/layout';
import { type BestRecord } from '../../shared/study/best';
import type { TrialRecord } from '../../shared/study/records';
import type { Leaderboard } from '../../shared/study/leaderboard';
import { ROOT } from '../support/cli';
import { FAKE_CREDENTIALS } from '../support/aws-stub';
import {
  accountForEveryTrial,
  expectSameRanking,
  keysOutside,
  mapRunFailures,
  pidsWithArg,
  plannedItems,
  trialObjects,
  trialRecordsInDir,
  trialRecordsOnDisk,
} from '../support/reliability';
import { SMALL_DEPLOYMENT } from '../support/harness';
import { DATA_DIR, tinyDiabetesSpec } from '../support/tf';

jest.setTimeout(180_000);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-reliability-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const spec = tinyDiabetesSpec;

async function withHarness<T>(opts: Parameters<typeof Harness.start>[0], fn: (h: Harness, source: string) => Promise<T>): Promise<T> {
  const h = await Harness.start({ workers: 2, ...opts });
  try {
    const source = await h.uploadDataset(path.join(DATA_DIR, 'diabetes.csv'));
    return await fn(h, source);
  } finally {
    await h.close();
  }
}

const faults = (rules: unknown[]) => ({ REGSWEEP_FAULTS: JSON.stringify(rules) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('faults', () => {
  it('a trial throttled once is retried by the workflow: exactly one record, succeeded, no failed leftover', async () => {
    const markers = fs.mkdtempSync(path.join(tmp, 'markers-'));
    const rules = [{ match: { type: 'l2', lambda: 10, fold: 1 }, action: 'throttle-once', markerDir: markers }];
    await withHarness({ functionEnv: faults(rules) }, async (h, source) => {
      const result = await h.runSweep(spec('throttled', source, { types: ['none', 'l2'], lambda: [0.1, 10] }));

      expect(result.status).toBe('SUCCEEDED');
      const items = await plannedItems(h.store, 'throttled');
      const target = items.find((i) => i.reg.type === 'l2' && i.reg.lambda === 10 && i.fold === 1)!;
      // the first attempt really was throttled (the hook left its marker) ...
      expect(fs.readdirSync(markers)).toEqual([`throttled-${target.trialId}.throttled`]);
      // ... and the Retry ran the trial again: 6 trials + 1 retry, plus plan, aggregate and refit
      expect(h.poolStats().invocations).toBe(6 + 1 + 3);
      const objects = await trialObjects(h.store, 'throttled');
      expect(objects.size).toBe(6);
      expect(objects.get(target.trialId)?.status).toBe('succeeded');
      const acc = await accountForEveryTrial(h.store, 'throttled');
      expect(acc.succeeded).toHaveLength(6);
      expect(acc.failed.size).toBe(0);
      const board = (await h.store.getJson(leaderboardKey('throttled'))) as Leaderboard;
      expect(board.trials).toEqual({ planned: 6, succeeded: 6, failed: 0, missing: 0 });
      expect(await keysOutside(h.store, ['throttled'])).toEqual([]);
    });
  });

  it('a trial that always fails is recorded as failed with its error, not retried; under the threshold the sweep goes on, over it fails; nothing lost either way', async () => {
    const rules = [
      { match: { type: 'l2', lambda: 100, fold: 0 }, action: 'fail' },
      { match: { type: 'l2', lambda: 1000 }, action: 'fail' },
    ];
    await withHarness({ functionEnv: faults(rules) }, async (h, source) => {
      // 10 trials, 1 fails: 10% is within the tolerated 10%
      const under = await h.runSweep(spec('fails-under', source, { types: ['none', 'l2'], lambda: [0.1, 1, 10, 100] }));
      expect(under.status).toBe('SUCCEEDED');
      expect(h.poolStats().invocations).toBe(10 + 3); // InjectedFaultError is not transient: no retry
      const acc = await accountForEveryTrial(h.store, 'fails-under');
      expect(acc.succeeded).toHaveLength(9);
      expect([...acc.failed.values()]).toEqual([{ name: 'InjectedFaultError', message: expect.stringMatching(/always fails/) }]);
      const [failedId] = [...acc.failed.keys()];
      expect((await trialObjects(h.store, 'fails-under')).get(failedId)).toMatchObject({ status: 'failed', attempts: 1, fold: 0, reg: { lambda: 100 } });
      const board = (await h.store.getJson(leaderboardKey('fails-under'))) as Leaderboard;
      expect(board.failedTrials.map((f) => f.trialId)).toEqual([failedId]);

      // 10 trials, 2 fail: 20% is over it
      const over = await h.runSweep(spec('fails-over', source, { types: ['none', 'l2'], lambda: [0.1, 1, 10, 1000] }));
      expect(over.status).toBe('FAILED');
      expect(over.error).toBe('States.ExceedToleratedFailureThreshold');
      const accOver = await accountForEveryTrial(h.store, 'fails-over');
      expect(accOver.failed.size).toBe(2);
      expect(accOver.succeeded.length + accOver.failed.size).toBe(10); // every item had started: all accounted for
      expect(await keysOutside(h.store, ['fails-under', 'fails-over'])).toEqual([]);
    });
  });

  it('a trial past its timeout (trialTimeoutSeconds 15) is cut with Sandbox.Timedout, listed missing, and the rest is fine', async () => {
    // 5 configs x 2 folds = 10 trials; one sleeps 60 s: 1/10 = 10%, within the tolerated 10%. The timeout is 15 s
    // (SMALL_DEPLOYMENT, the one harness-sweep.test.ts's batch cut mid-path needs: one assembly serves both); it
    // could not be under 5 s: the pool's timer includes a cold start (bundle load + wasm init, ~1 s idle but over
    // 2 s on a busy 2-core machine), and every timed-out worker is replaced by a cold one.
    const rules = [{ match: { type: 'l2', lambda: 100, fold: 0 }, action: 'sleep', seconds: 60 }];
    await withHarness({ overrides: SMALL_DEPLOYMENT, functionEnv: faults(rules) }, async (h, source) => {
      const started = Date.now();
      const result = await h.runSweep(spec('timeout', source, { types: ['none', 'l2'], lambda: [0.1, 1, 10, 100] }));
      const elapsed = Date.now() - started;

      expect(result.status).toBe('SUCCEEDED');
      expect(elapsed).toBeLessThan(50_000); // not the 60 s the trial wanted
      const items = await plannedItems(h.store, 'timeout');
      const slow = items.find((i) => i.reg.type === 'l2' && i.reg.lambda === 100 && i.fold === 0)!;
      const board = (await h.store.getJson(leaderboardKey('timeout'))) as Leaderboard;
      expect(board.trials).toEqual({ planned: 10, succeeded: 9, failed: 0, missing: 1 });
      expect(board.missingTrialIds).toEqual([slow.trialId]);
      // aggregate found its error in the map run's results: listed with it, not silently missing
      expect(board.missingErrors).toEqual([
        {
          trialId: slow.trialId,
          configId: slow.configId,
          fold: 0,
          error: { name: 'Sandbox.Timedout', message: expect.stringMatching(/Task timed out after 15\.00 seconds/) },
        },
      ]);
      expect(board.incomplete.map((c) => c.label)).toEqual(['l2 λ=100']);
      expect(board.configs).toHaveLength(4);
      // the trial was killed before it could write anything; the map run has its error
      expect((await trialObjects(h.store, 'timeout')).has(slow.trialId)).toBe(false);
      const failures = await mapRunFailures(h.store, 'timeout');
      expect([...failures.keys()]).toEqual([slow.trialId]);
      expect(failures.get(slow.trialId)!.error).toBe('Sandbox.Timedout');
      expect(failures.get(slow.trialId)!.cause).toMatch(/Task timed out after 15\.00 seconds/);
      const acc = await accountForEveryTrial(h.store, 'timeout');
      expect(acc.succeeded).toHaveLength(9);
      expect([...acc.diedWithoutRecord.keys()]).toEqual([slow.trialId]);
      expect(await keysOutside(h.store, ['timeout'])).toEqual([]);
    });
  });

  it('the S3 server stopped mid-sweep and restarted on the same port and dir: the SDK retries recover, every record is written', async () => {
    const markers = { stopped: 0, restarted: 0, succeededAtStop: -1, succeededWhileDown: 0 };
    let outage: Promise<void> | undefined;
    let probe: string | undefined;
    await withHarness({}, async (h, source) => {
      const port = Number(new URL(h.endpoint).port);
      const dir = h.s3Dir;
      const result = await h.runSweep(
        spec('outage', source, { types: ['none', 'l2', 'dropout'], lambda: [0.1, 1, 10, 100], dropout: [0.1, 0.3] }, { validation: { folds: 2 } }),
        {
          onEvent: (e) => {
            const ev = e as MapRunEvent;
            if (ev.type !== 'MapItemSucceeded') return;
            if (markers.stopped && !markers.restarted) markers.succeededWhileDown++;
            if (ev.succeeded === 3 && !outage) {
              markers.succeededAtStop = ev.succeeded;
              outage = (async () => {
                await h.stopS3();
                markers.stopped = Date.now();
                probe = await new Promise<string>((resolve) => {
                  http
                    .get(`${h.endpoint}/`, (res) => resolve(`HTTP ${res.statusCode}`))
                    .on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
                });
                await sleep(1500);
                await h.restartS3();
                markers.restarted = Date.now();
              })();
            }
          },
        },
      );
      await outage;

      expect(probe).toBe('ECONNREFUSED'); // the server really was down
      expect(markers.restarted - markers.stopped).toBeGreaterThanOrEqual(1500);
      expect(Number(new URL(h.endpoint).port)).toBe(port);
      expect(h.s3Dir).toBe(dir);
      expect(result.status).toBe('SUCCEEDED');
      // the outage hit trials in flight: 14 trials, only 3 done when it started, none finished while it lasted
      expect(markers.succeededAtStop).toBe(3);
      expect(markers.succeededWhileDown).toBeLessThanOrEqual(2); // at most the ones past their last S3 call
      const board = (await h.store.getJson(leaderboardKey('outage'))) as Leaderboard;
      expect(board.trials).toEqual({ planned: 14, succeeded: 14, failed: 0, missing: 0 });
      const acc = await accountForEveryTrial(h.store, 'outage');
      expect(acc.succeeded).toHaveLength(14);
      expect(await h.store.head('sweeps/outage/best/best.json')).toBeDefined();
      expect(await keysOutside(h.store, ['outage'])).toEqual([]);
    });
  });
});

describe('nothing lost: objects are written whole and validated on read', () => {
  it('a record part cut short on disk (a crash before fsync) is absent on resume: a note names it, and only its trial is trained again', async () => {
    // Prepare: a finished sweep whose S3 data stays on disk, as `regsweep local` keeps it under --out
    const s3Dir = fs.mkdtempSync(path.join(tmp, 's3-short-'));
    const s = (source: string) => spec('short', source, { types: ['none', 'l2'], lambda: [1] });
    let victim = '';
    let file = '';
    let before: Awaited<ReturnType<typeof trialObjects>> = new Map();
    await withHarness({ s3Dir }, async (h, source) => {
      expect((await h.runSweep(s(source))).status).toBe('SUCCEEDED');
      before = await trialObjects(h.store, 'short');
      const [item] = await plannedItems(h.store, 'short');
      victim = item.trialId;
      const [part] = await h.store.listKeys(batchPrefix('short', batchKeyOf(victim, 1)));
      file = path.join(s3Dir, h.bucket, createHash('sha256').update(part).digest('hex'));
    });
    fs.truncateSync(file, fs.statSync(file).size - 40);
    // Act: the same sweep again on the same data, as the printed resume command does
    const lines: string[] = [];
    await withHarness({ s3Dir, log: (l) => lines.push(l) }, async (h, source) => {
      const result = await h.runSweep(s(source));
      // Assess
      expect(result.status).toBe('SUCCEEDED');
      expect(lines.join('\n')).toMatch(/local S3 data: .* treated as absent: the object "sweeps\/short\/trials\/[^"]+" has \d+ bytes on disk, fewer than/);
      const after = await trialObjects(h.store, 'short');
      expect(after.size).toBe(before.size);
      for (const [id, rec] of after) {
        expect(rec?.status).toBe('succeeded');
        if (id === victim) expect(rec!.finishedAt).not.toBe(before.get(id)!.finishedAt);
        else expect(rec!.finishedAt).toBe(before.get(id)!.finishedAt);
      }
      await accountForEveryTrial(h.store, 'short');
    });
  });
});

describe('security: ids and keys cannot escape sweeps/<id>/', () => {
  it('an unsafe sweepId in the spec fails the plan: the execution fails with the SpecError and its message', async () => {
    await withHarness({}, async (h, source) => {
      const result = await h.runSweep(spec('../escape', source, { types: ['none'] }));
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('SpecError');
      expect(result.cause).toMatch(/sweepId: must be a slug/);
      expect(await keysOutside(h.store, [])).toEqual([]); // a tampered trial event: test/unit/shared/steps/reliability.test.ts
    });
  });
});

describe('determinism', () => {
  it('the same spec and seed twice (other sweepIds, other worker counts) give identical leaderboards and refits', async () => {
    const search = { types: ['none', 'l1', 'l2+dropout'], lambda: [0.1, 10], dropout: [0.2] };
    const extra = { validation: { folds: 3, seed: 11 }, training: { epochs: 6, learningRate: 0.05 } };
    const run = async (sweepId: string, workers: number) =>
      withHarness({ workers }, async (h, source) => {
        const r = await h.runSweep(spec(sweepId, source, search, extra));
        expect(r.status).toBe('SUCCEEDED');
        return {
          board: (await h.store.getJson(leaderboardKey(sweepId))) as Leaderboard,
          best: (await h.store.getJson(`sweeps/${sweepId}/best/best.json`)) as BestRecord,
          trials: await trialObjects(h.store, sweepId),
        };
      });
    const a = await run('determinism-a', 2);
    const b = await run('determinism-b', 1);

    expect(a.board.configs).toHaveLength(5);
    expectSameRanking(a.board, b.board, 1e-9);
    expect(b.best.config.configId).toBe(a.best.config.configId);
    expect(Math.abs(b.best.test.loss - a.best.test.loss)).toBeLessThanOrEqual(1e-9);
    // and trial by trial (same trialIds: they hash the config, fold and seed, not the sweep)
    expect([...b.trials.keys()].sort()).toEqual([...a.trials.keys()].sort());
    for (const [id, ra] of a.trials) {
      const rb = b.trials.get(id)!;
      if (ra?.status !== 'succeeded' || rb?.status !== 'succeeded') throw new Error(`trial ${id} did not succeed`);
      expect(rb.validation?.loss).toBe(ra.validation?.loss);
      expect(rb.curves).toEqual(ra.curves);
      expect(rb.backend).toBe(ra.backend);
    }
  });
});

// ---------------------------------------------------------------------------------------------- killed mid-sweep

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real bin; `killWhen` sees stderr as it grows and returns true to SIGKILL the process. */
function runCli(args: string[], killWhen?: (stderr: string) => boolean): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...FAKE_CREDENTIALS, REGSWEEP_DEBUG: undefined };
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'regsweep.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (!killed && killWhen?.(stderr)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function waitUntil(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

describe('the harness process killed mid-sweep', () => {
  it('SIGKILL during the trials, then the same sweepId again: only the missing trials run, the leaderboard equals an uninterrupted run', async () => {
    const specFile = path.join(tmp, 'killed.json');
    fs.writeFileSync(
      specFile,
      JSON.stringify({
        dataset: { source: path.join(DATA_DIR, 'diabetes.csv'), target: 'progression', task: 'regression' },
        model: { hidden: [8] },
        training: { epochs: 40, learningRate: 0.02, patience: 0 },
        validation: { folds: 3, seed: 5 },
        search: { types: ['none', 'l1', 'l2', 'dropout'], lambda: [0.3, 3, 30], dropout: [0.1, 0.4] },
      }),
    );
    const planned = (1 + 3 + 3 + 2) * 3; // 27 trials
    const out = path.join(tmp, 'killed-out');
    const s3Dir = path.join(out, 's3');
    const args = ['local', '--spec', specFile, '--keep', '--out', out, '--sweep-id', 'killed', '--workers', '2', '--json'];

    // 1. killed once some trials are done (progress lines come every 10%: "trials 3/27 done, 0 failed")
    const first = await runCli(args, (stderr) => /trials ([3-9]|1\d)\/27 done/.test(stderr));
    expect(first.signal).toBe('SIGKILL');
    expect(first.stdout).toBe('');
    // its S3 server notices the parent is gone (stdin closed) and exits; wait for it before reading the dir
    await waitUntil("the killed run's S3 server exited", () => pidsWithArg(s3Dir).length === 0);
    const before = trialRecordsOnDisk(s3Dir, 'regsweep-local', 'killed');
    const completeBefore = new Map([...before].filter(([, r]) => r?.status === 'succeeded') as [string, TrialRecord][]);
    expect(completeBefore.size).toBeGreaterThanOrEqual(3);
    expect(completeBefore.size).toBeLessThan(planned); // really interrupted

    // 2. the same command again resumes the sweep
    const second = await runCli(args);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    expect(second.code).toBe(0);
    const summary = JSON.parse(second.stdout) as { sweepId: string; trials: Leaderboard['trials'] };
    expect(summary.sweepId).toBe('killed');
    const after = trialRecordsInDir(path.join(out, 'killed'));
    expect(after.size).toBe(planned);
    let rewritten = 0;
    for (const [id, rec] of after) {
      expect(rec?.status).toBe('succeeded');
      const old = completeBefore.get(id);
      if (old)
        expect(rec!.finishedAt).toBe(old.finishedAt); // kept, not trained again
      else rewritten++;
    }
    expect(rewritten).toBe(planned - completeBefore.size);
    console.log(`killed mid-sweep with ${completeBefore.size}/${planned} trial records written; the rerun trained the other ${rewritten}`);

    // 3. an uninterrupted run of the same spec ranks the same configs with the same metrics
    const cleanOut = path.join(tmp, 'clean-out');
    const clean = await runCli(['local', '--spec', specFile, '--out', cleanOut, '--sweep-id', 'uninterrupted', '--workers', '2', '--json']);
    expect(clean.code).toBe(0);
    const resumedBoard = JSON.parse(fs.readFileSync(path.join(out, 'killed', 'leaderboard.json'), 'utf8')) as Leaderboard;
    const cleanBoard = JSON.parse(fs.readFileSync(path.join(cleanOut, 'uninterrupted', 'leaderboard.json'), 'utf8')) as Leaderboard;
    expect(resumedBoard.trials).toEqual({ planned, succeeded: planned, failed: 0, missing: 0 });
    expectSameRanking(cleanBoard, resumedBoard, 1e-9);

    // the CLI never printed the credentials it ran with
    for (const r of [first, second, clean]) {
      for (const secret of Object.values(FAKE_CREDENTIALS)) expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });
});
