/**
 * Memory: peak RSS of the harness process (main thread + worker threads, which share it) and of the local S3
 * server (a child process), and the V8 heap of the trial workers, for tiny sweeps of 200 and 2,000 trials (linear
 * model, 1 epoch, 20 rows). Each size runs in a fresh process, so each peak is its own; bounded memory means
 * the 2,000-trial figures are not ~10x the 200-trial ones.
 *
 * Per worker: the RSS the workers add, (peak RSS during the map run - RSS of the idle harness) / workers. Node 20
 * has no Worker#getHeapStatistics; with --snapshots, near the end of the map run (90% of the items done) each live
 * trial worker is also asked for a heap snapshot (Worker#getHeapSnapshot) and its nodes' sizes are summed (JS
 * heap + the array buffers it references, e.g. tfjs-backend-wasm's WebAssembly memory). A snapshot stops the
 * worker for tens of seconds and inflates the main thread's memory, so the peaks are taken just before it.
 *
 * Usage: npm run bench:memory [-- --sizes 200,2000 --workers 2 --snapshots]
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { arg, emit, flag, note, numbers, reexecLikeCli, REPO, run, tempDir } from './lib/cli';
import { childStats, loadNow, machine, machineLine } from './lib/machine';
import { round, since } from './lib/stats';
import { PhaseClock, tinySpec, writeTinyDataset } from './lib/tiny-sweep';
import { S3_SERVER_SCRIPT } from '../local/s3server';

const MB = 1024 * 1024;

interface ChildResult {
  trials: number;
  wallMs: number;
  /** process.resourceUsage().maxRSS: the peak of the whole harness process (all threads). */
  maxRssMb: number;
  /** Highest RSS seen by the 50 ms sampler during the sweep, and before it (harness started, idle). */
  peakRssDuringSweepMb: number;
  rssBeforeSweepMb: number;
  /** Main thread's V8 heap: highest sampled, and after the sweep and a full GC. */
  mainHeapPeakMb: number;
  mainHeapAfterGcMb: number;
  /** The S3 server child process: VmHWM (peak) and VmRSS at the end. */
  s3PeakMb?: number;
  s3EndMb?: number;
  /** Peak RSS of the process while the trials ran (until the snapshot, if any). */
  peakRssMapMb: number;
  /** (peakRssMapMb - rssBeforeSweepMb) / workers: what one trial worker adds. */
  perWorkerRssMb: number;
  /** Trial workers' heap (snapshot sizes) near the end of the map run (--snapshots). */
  trialWorkerHeapMb: number[];
  workerMemoryLimitMb?: number;
  load1: number;
}

/** Total size of a heap snapshot's nodes (MB). */
async function snapshotMb(worker: Worker): Promise<number> {
  const stream = await worker.getHeapSnapshot();
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer | string>) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  const snap = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { snapshot: { meta: { node_fields: string[] } }; nodes: number[] };
  const fields = snap.snapshot.meta.node_fields;
  const size = fields.indexOf('self_size');
  let total = 0;
  for (let i = size; i < snap.nodes.length; i += fields.length) total += snap.nodes[i];
  return round(total / MB, 1);
}

async function child(trials: number, workers: number, snapshots: boolean): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use: a process that only re-runs this script (reexecLikeCli) never loads the harness
  const { Harness } = require('../local/harness') as typeof import('../local/harness');
  const h = await Harness.start({ workers });
  try {
    const dataDir = tempDir('mem');
    const source = await h.uploadDataset(writeTinyDataset(dataDir));
    fs.rmSync(dataDir, { recursive: true, force: true });
    // The pool's workers, to snapshot the trial workers (bench-only access to a private field).
    const pool = (h as unknown as { pool: { workers: { fn: string; worker: Worker; state: string }[] } }).pool;
    const resources = (h.assembly.template.Resources ?? {}) as Record<string, { Type: string; Properties?: { MemorySize?: number } }>;
    const trialFn = Object.keys(resources).find((id) => resources[id].Type === 'AWS::Lambda::Function' && /^FunctionsTrial/.test(id));
    let peakRss = 0;
    let mainHeapPeak = 0;
    const sample = () => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      mainHeapPeak = Math.max(mainHeapPeak, m.heapUsed);
    };
    (globalThis as { gc?: () => void }).gc?.();
    const rssBefore = process.memoryUsage().rss;
    const timer = setInterval(sample, 50);
    const clock = new PhaseClock();
    let snapshotTaken: Promise<number[]> | undefined;
    let peakRssMap = 0;
    let maxRssAtSnapshot: number | undefined;
    const t0 = performance.now();
    const result = await h.runSweep(tinySpec(`mem-${trials}`, source, trials), {
      onEvent: (e) => {
        clock.onEvent(e);
        if ((e as { type?: string }).type === 'MapItemSucceeded' && !snapshotTaken) {
          sample();
          peakRssMap = peakRss;
        }
        if (snapshots && !snapshotTaken && clock.itemsDone >= Math.floor(trials * 0.9)) {
          maxRssAtSnapshot = process.resourceUsage().maxRSS * 1024;
          const live = pool.workers.filter((w) => w.fn === trialFn && w.state !== 'dead');
          snapshotTaken = Promise.all(live.map((w) => snapshotMb(w.worker).catch(() => NaN)));
        }
      },
    });
    const wallMs = since(t0);
    clearInterval(timer);
    sample();
    if (result.status !== 'SUCCEEDED') throw new Error(`sweep ${result.status}: ${result.error} ${result.cause}`);
    const heaps = (await snapshotTaken) ?? [];
    (globalThis as { gc?: () => void }).gc?.();
    const s3 = childStats(S3_SERVER_SCRIPT);
    const out: ChildResult = {
      trials,
      wallMs: round(wallMs, 0),
      // With --snapshots, the peak before the first snapshot (a snapshot's own buffers would count otherwise).
      maxRssMb: round((maxRssAtSnapshot ?? process.resourceUsage().maxRSS * 1024) / MB, 1),
      peakRssDuringSweepMb: round(peakRss / MB, 1),
      peakRssMapMb: round(peakRssMap / MB, 1),
      perWorkerRssMb: round((peakRssMap - rssBefore) / workers / MB, 1),
      rssBeforeSweepMb: round(rssBefore / MB, 1),
      mainHeapPeakMb: round(mainHeapPeak / MB, 1),
      mainHeapAfterGcMb: round(process.memoryUsage().heapUsed / MB, 1),
      s3PeakMb: s3?.peakMb,
      s3EndMb: s3?.rssMb,
      trialWorkerHeapMb: heaps,
      workerMemoryLimitMb: Number(resources[trialFn ?? '']?.Properties?.MemorySize ?? NaN),
      load1: loadNow().load1,
    };
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    await h.close();
  }
}

function runChild(trials: number, workers: number, snapshots: boolean): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const args = [
      '--expose-gc',
      '-e',
      "require('tsx/cjs'); require(process.argv[1])",
      __filename,
      '--child',
      String(trials),
      '--workers',
      String(workers),
      ...(snapshots ? ['--snapshots'] : []),
    ];
    const c = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`child for ${trials} trials exited ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
      } catch (e) {
        reject(new Error(`child for ${trials} trials printed no JSON result: ${(e as Error).message}`));
      }
    });
  });
}

async function main() {
  const workers = Number(arg('workers', '2'));
  const snapshots = flag('snapshots');
  const childTrials = arg('child', '');
  if (childTrials) return child(Number(childTrials), workers, snapshots);

  const sizes = numbers('sizes', [200, 2000]);
  const m0 = machine();
  note(machineLine(m0));
  // Warm the assembly cache in this process, so the children measure sweeps, not synthesis.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use, as in child()
  const { loadAssembly } = require('../local/harness') as typeof import('../local/harness');
  loadAssembly({ log: note });
  const results: ChildResult[] = [];
  for (const n of sizes) {
    note(`sweep of ${n} trials in a fresh process...`);
    const r = await runChild(n, workers, snapshots);
    note(
      `  maxRSS ${r.maxRssMb} MB, per trial worker ${r.perWorkerRssMb} MB RSS${r.trialWorkerHeapMb.length ? ` (heap snapshot ${r.trialWorkerHeapMb.join(', ')} MB)` : ''}, s3 server ${r.s3PeakMb} MB`,
    );
    results.push(r);
  }
  const [small, big] = [results[0], results[results.length - 1]];
  const growth = (a: number, b: number) => round(b / a, 2);
  const m1 = machine();
  emit(
    [
      `memory: tiny sweeps through the harness, ${workers} workers, each size in a fresh process`,
      `${machineLine(m1)}; load average before: ${m0.load.load1}`,
      ...results.map(
        (r) =>
          `  ${String(r.trials).padStart(5)} trials: harness process maxRSS ${r.maxRssMb} MB (idle before the sweep ${r.rssBeforeSweepMb} MB, sampled peak ${r.peakRssDuringSweepMb} MB); ` +
          `main heap peak ${r.mainHeapPeakMb} MB (${r.mainHeapAfterGcMb} MB after GC); per trial worker ${r.perWorkerRssMb} MB RSS` +
          `${r.trialWorkerHeapMb.length ? `, heap snapshot ${r.trialWorkerHeapMb.join(' / ')} MB` : ''} (limit ${r.workerMemoryLimitMb} MB); ` +
          `S3 server peak ${r.s3PeakMb ?? '-'} MB; ${round(r.wallMs / 1000, 1)} s`,
      ),
      results.length > 1
        ? `  ${big.trials} vs ${small.trials} trials (x${round(big.trials / small.trials, 1)}): maxRSS x${growth(small.maxRssMb, big.maxRssMb)}, main heap peak x${growth(small.mainHeapPeakMb, big.mainHeapPeakMb)}, ` +
          `per worker x${growth(small.perWorkerRssMb, big.perWorkerRssMb)}` +
          `${small.trialWorkerHeapMb.length && big.trialWorkerHeapMb.length ? `, worker heap x${growth(Math.max(...small.trialWorkerHeapMb), Math.max(...big.trialWorkerHeapMb))}` : ''}, S3 server x${growth(small.s3PeakMb ?? NaN, big.s3PeakMb ?? NaN)}`
        : '',
      '',
    ].filter(Boolean),
    { bench: 'memory', workers, runs: results, machine: m1 },
  );
}

if (!reexecLikeCli(__filename)) run(main);
