/**
 * Helpers for the reliability tests (test/integration/reliability.test.ts, load.test.ts, bad-input.test.ts):
 * tiny datasets, reading a sweep's trial records back from its bucket (any Blobs) or disk, the "nothing lost" check, and a load
 * runner that runs one sweep through the harness in its own process and reports its time and peak memory.
 *
 * As a script (what load.test.ts spawns, so each measured sweep has a fresh process and its own peak RSS):
 *
 *     node --require tsx/cjs test/support/reliability.ts load <trials> <workDir>
 *
 * prints one JSON line (LoadReport) on stdout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Harness } from '../../local/harness';
import { readStoredObjects } from '../../local/s3server';
import type { MapRunEvent } from '../../local/runner';
import { leaderboardKey, manifestKey, sweepPrefix, trialObjectOf, trialsPrefix } from '../../shared/store/layout';
import { TrialEventSchema } from '../../shared/steps/events';
import { mergeTrialRecords, type TrialRecord } from '../../shared/study/records';
import type { Blobs } from '../../shared/store/blobs';
import { inputTrialIds, recordsOfTrialObject, SweepStore } from '../../shared/store/sweep-store';
import type { Leaderboard } from '../../shared/study/leaderboard';

// ---------------------------------------------------------------------------------------------- datasets

/**
 * A small regression CSV (x1..x3, y), deterministic: y is a noisy linear function of the features. `rows` data
 * rows. Returns the file's path.
 */
export function writeTinyCsv(dir: string, name = 'tiny.csv', rows = 20): string {
  const lines = ['x1,x2,x3,y'];
  for (let i = 0; i < rows; i++) {
    const x1 = i;
    const x2 = (i * 7) % 5;
    const x3 = Number(Math.sin(i).toFixed(4));
    const y = 2 * x1 - 3 * x2 + 5 * x3 + ((i * 13) % 3) - 1;
    lines.push(`${x1},${x2},${x3},${y.toFixed(3)}`);
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

// ---------------------------------------------------------------------------------------------- reading a sweep back

export type PlannedItem = ReturnType<typeof TrialEventSchema.parse>;

/** The parsed JSON of an object, or undefined when it does not exist (invalid JSON throws). */
async function readJson(store: Blobs, key: string): Promise<unknown> {
  const got = await store.getBytes(key);
  return got && (JSON.parse(Buffer.from(got.body).toString('utf8')) as unknown);
}

export async function plannedItems(store: Blobs, sweepId: string): Promise<PlannedItem[]> {
  const json = await readJson(store, manifestKey(sweepId));
  if (!Array.isArray(json)) throw new Error(`no manifest for sweep ${sweepId}`);
  return json.map((i) => TrialEventSchema.parse({ ...(i as object), sweepId }));
}

/** The records of a sweep, one per trial (SweepStore.trials: parts and legacy objects, merged), by trialId. */
export async function trialObjects(store: Blobs, sweepId: string): Promise<Map<string, TrialRecord | undefined>> {
  return new Map((await new SweepStore(store, sweepId).trials()).records.map((r) => [r.trialId, r]));
}

/** The map run's failed child executions (ResultWriter's FAILED_0.json files), by trialId of their batch: Error and Cause. */
export async function mapRunFailures(store: Blobs, sweepId: string): Promise<Map<string, { error: string; cause: string }>> {
  const out = new Map<string, { error: string; cause: string }>();
  for (const key of await store.listKeys(`${sweepPrefix(sweepId)}map-results/`)) {
    if (!/\/FAILED_\d+\.json$/.test(key)) continue;
    const rows = (await readJson(store, key)) as { Input: string; Error?: string; Cause?: string }[];
    for (const r of rows) {
      for (const trialId of inputTrialIds(r.Input)) out.set(trialId, { error: String(r.Error ?? ''), cause: String(r.Cause ?? '') });
    }
  }
  return out;
}

export interface Accounting {
  readonly planned: number;
  /** trialIds with a complete, valid succeeded record. */
  readonly succeeded: string[];
  /** trialIds with a failed record carrying its error. */
  readonly failed: Map<string, { name: string; message: string }>;
  /** trialIds with no valid record whose child execution failed in the map run (e.g. Sandbox.Timedout). */
  readonly diedWithoutRecord: Map<string, { error: string; cause: string }>;
}

/**
 * "Nothing lost": every planned trial is a complete record, a failed record with its error, or (a trial that died
 * without writing, e.g. past its timeout) a failed child execution of the map run with its error. Throws naming
 * the first trial that is none of these. The leaderboard, when there is one, must agree: its failed trials are
 * those with failed records, its missing ones those with no valid record.
 */
export async function accountForEveryTrial(store: Blobs, sweepId: string): Promise<Accounting> {
  const items = await plannedItems(store, sweepId);
  const objects = await trialObjects(store, sweepId);
  const mapFailures = await mapRunFailures(store, sweepId);
  const succeeded: string[] = [];
  const failed = new Map<string, { name: string; message: string }>();
  const died = new Map<string, { error: string; cause: string }>();
  for (const item of items) {
    const rec = objects.get(item.trialId);
    if (rec?.status === 'succeeded') succeeded.push(item.trialId);
    else if (rec?.status === 'failed' && rec.error.name && rec.error.message) failed.set(item.trialId, rec.error);
    else if (mapFailures.get(item.trialId)?.error) died.set(item.trialId, mapFailures.get(item.trialId)!);
    else
      throw new Error(
        `sweep ${sweepId}: trial ${item.trialId} (${JSON.stringify(item.reg)} fold ${item.fold}) is lost: no valid record and no failed execution`,
      );
  }
  const board = (await readJson(store, leaderboardKey(sweepId))) as Leaderboard | undefined;
  if (board) {
    const failedIds = board.failedTrials.map((f) => f.trialId).sort();
    if (JSON.stringify(failedIds) !== JSON.stringify([...failed.keys()].sort())) {
      throw new Error(`sweep ${sweepId}: leaderboard failed trials ${failedIds.join(',')} differ from the failed records ${[...failed.keys()].join(',')}`);
    }
    if (JSON.stringify([...board.missingTrialIds].sort()) !== JSON.stringify([...died.keys()].sort())) {
      throw new Error(
        `sweep ${sweepId}: leaderboard missing trials ${board.missingTrialIds.join(',')} differ from those without a record ${[...died.keys()].join(',')}`,
      );
    }
  }
  return { planned: items.length, succeeded, failed, diedWithoutRecord: died };
}

/** Keys in the bucket that are neither a dataset nor under sweeps/<id>/ of one of the given sweeps. */
export async function keysOutside(store: Blobs, sweepIds: readonly string[]): Promise<string[]> {
  const prefixes = sweepIds.map((id) => sweepPrefix(id));
  return (await store.listKeys('')).filter((k) => !/^datasets\/[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(k) && !prefixes.some((p) => k.startsWith(p)));
}

/** The records, one per trial, of a sweep's trials/ objects (parts and legacy objects, by key), merged as SweepStore.trials merges them. */
function recordsOfObjects(sweepId: string, objects: Iterable<[string, Buffer]>): Map<string, TrialRecord | undefined> {
  const found: TrialRecord[] = [];
  for (const [key, bytes] of objects) {
    const what = trialObjectOf(sweepId, key);
    if (!what) continue;
    try {
      found.push(...recordsOfTrialObject(JSON.parse(bytes.toString('utf8')), what.kind).records);
    } catch {
      // invalid JSON: a partial object, no record
    }
  }
  return mergeTrialRecords(found);
}

/** Trial records a `regsweep local --keep --out DIR` run left in its S3 dir (the local S3 server's on-disk layout). */
export function trialRecordsOnDisk(s3Dir: string, bucket: string, sweepId: string): Map<string, TrialRecord | undefined> {
  return recordsOfObjects(sweepId, readStoredObjects(s3Dir, bucket, trialsPrefix(sweepId)));
}

/** Trial records in an exported sweep directory (`<out>/<sweepId>/trials/`, files named by their keys under trials/). */
export function trialRecordsInDir(sweepDir: string): Map<string, TrialRecord | undefined> {
  const dir = path.join(sweepDir, 'trials');
  if (!fs.existsSync(dir)) return new Map();
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((rel) => fs.statSync(path.join(dir, rel)).isFile());
  // the keys' kind does not depend on the sweep: any valid id names them
  return recordsOfObjects(
    'exported',
    files.map((rel): [string, Buffer] => [`${trialsPrefix('exported')}${rel}`, fs.readFileSync(path.join(dir, rel))]),
  );
}

/** pids of live processes whose command line contains `needle` (e.g. the local S3 server serving a given dir). */
export function pidsWithArg(needle: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (state !== 'Z' && cmd.some((a) => a.includes(needle))) out.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return out;
}

/** Peak resident set size (VmHWM) of a process, in MB; undefined when it is gone. */
export function peakRssMb(pid: number): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------- leaderboard comparison

/** The numbers of a leaderboard that must not depend on scheduling, timing or the sweep's id. */
export function rankingOf(board: Leaderboard) {
  return board.configs.map((c) => ({
    rank: c.rank,
    configId: c.configId,
    meanValLoss: c.meanValLoss,
    stdErr: c.stdErr,
    meanTrainLoss: c.meanTrainLoss,
    meanGap: c.meanGap,
    meanR2: c.meanR2 ?? null,
    meanSparsity: c.meanSparsity,
    meanBestEpoch: c.meanBestEpoch,
  }));
}

/** Asserts two leaderboards rank the same configs in the same order with metrics equal to `tol` (absolute). */
export function expectSameRanking(a: Leaderboard, b: Leaderboard, tol = 1e-9): void {
  const ra = rankingOf(a);
  const rb = rankingOf(b);
  expect(rb.map((c) => c.configId)).toEqual(ra.map((c) => c.configId));
  expect(b.best.configId).toBe(a.best.configId);
  expect(b.trials).toEqual(a.trials);
  ra.forEach((ca, i) => {
    const cb = rb[i];
    for (const k of ['meanValLoss', 'stdErr', 'meanTrainLoss', 'meanGap', 'meanR2', 'meanSparsity', 'meanBestEpoch'] as const) {
      const x = ca[k];
      const y = cb[k];
      if (x === null || y === null) expect(y).toBe(x);
      else if (Math.abs(x - y) > tol) throw new Error(`rank ${ca.rank} ${ca.configId} ${k}: ${x} vs ${y} differ by ${Math.abs(x - y)} > ${tol}`);
    }
  });
}

// ---------------------------------------------------------------------------------------------- load runner

export interface LoadReport {
  readonly trials: number;
  readonly status: string;
  readonly error?: string;
  readonly records: number;
  readonly leaderboard: Leaderboard['trials'];
  /** Wall-clock ms: harness start (assembly cached), trials (the map run), aggregate, refit, whole sweep. */
  readonly ms: { start: number; map: number; aggregate: number; refit: number; sweep: number };
  /** Peak RSS of the harness process (main thread + Lambda worker threads), MB. */
  readonly harnessPeakRssMb: number;
  /** Peak RSS of the local S3 server's process, MB (undefined if it could not be found). */
  readonly s3PeakRssMb?: number;
  /** Mean durationMs of the records (the trial step: spec/dataset lookups, training, building the record), ms. */
  readonly trainMsPerTrial: number;
  /** Main-thread JS heap after the sweep, MB. */
  readonly heapUsedMb: number;
  readonly pool: ReturnType<Harness['poolStats']>;
}

/** The spec of a load sweep: `trials` (a multiple of 5) tiny trials of a linear model: none and trials/5 - 1 lambdas, 5 folds. */
export function loadSpec(sweepId: string, source: string, trials: number) {
  if (trials % 5 !== 0) throw new Error('trials must be a multiple of 5 (5 folds)');
  return {
    sweepId,
    dataset: { source, target: 'y', task: 'regression' },
    model: { hidden: [] },
    training: { epochs: 1, patience: 0, batchSize: 32 },
    validation: { folds: 5, testFraction: 0.2 },
    search: { types: ['none', 'l2'], lambda: { min: 0.0001, max: 10000, count: trials / 5 - 1 } },
    limits: { maxTrials: Math.max(5000, trials) },
  };
}

export async function runLoad(trials: number, workDir: string): Promise<LoadReport> {
  const csv = writeTinyCsv(workDir, 'tiny.csv', 20);
  const t0 = Date.now();
  const h = await Harness.start();
  const startMs = Date.now() - t0;
  try {
    const source = await h.uploadDataset(csv);
    const sweepId = `load-${trials}`;
    const stamps: Record<string, number> = {};
    const t1 = Date.now();
    const result = await h.runSweep(loadSpec(sweepId, source, trials), {
      onEvent: (e) => {
        const ev = e as MapRunEvent | { type: string; state?: { name: string } };
        if (ev.type === 'MapRunStarted' || ev.type === 'MapRunSucceeded' || ev.type === 'MapRunFailed') stamps[ev.type] = Date.now();
        if (ev.type === 'StateEntered' && 'state' in ev && ev.state) stamps[`enter:${ev.state.name}`] = Date.now();
        if (ev.type === 'StateExited' && 'state' in ev && ev.state) stamps[`exit:${ev.state.name}`] = Date.now();
      },
    });
    const sweepMs = Date.now() - t1;
    const s3Pid = h.s3Dir ? pidsWithArg(h.s3Dir)[0] : undefined;
    const records = await new SweepStore(h.store, sweepId).recordsWritten();
    const board = (await h.store.getJson(leaderboardKey(sweepId))) as Leaderboard | undefined;
    const span = (a: string, b: string) => (stamps[b] ?? NaN) - (stamps[a] ?? NaN);
    return {
      trials,
      status: result.status,
      ...(result.error ? { error: `${result.error}: ${result.cause}` } : {}),
      records,
      leaderboard: board?.trials ?? { planned: 0, succeeded: 0, failed: 0, missing: 0 },
      ms: {
        start: startMs,
        map: span('MapRunStarted', 'MapRunSucceeded'),
        aggregate: span('enter:Aggregate', 'exit:Aggregate'),
        refit: span('enter:RefitBest', 'exit:RefitBest'),
        sweep: sweepMs,
      },
      harnessPeakRssMb: process.resourceUsage().maxRSS / 1024,
      ...(s3Pid !== undefined ? { s3PeakRssMb: peakRssMb(s3Pid) } : {}),
      trainMsPerTrial: board && board.configs.length ? board.configs.reduce((a, c) => a + c.meanDurationMs, 0) / board.configs.length : NaN,
      heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
      pool: h.poolStats(),
    };
  } finally {
    await h.close();
  }
}

if (require.main === module) {
  const [cmd, n, dir] = process.argv.slice(2);
  if (cmd !== 'load' || !n || !dir) {
    process.stderr.write('usage: reliability.ts load <trials> <workDir>\n');
    process.exit(2);
  }
  runLoad(Number(n), dir).then(
    (report) => {
      process.stdout.write(JSON.stringify(report) + '\n');
      process.exit(0);
    },
    (e) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
