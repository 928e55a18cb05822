/**
 * Harness overhead: sweeps whose training is trivial (1 epoch of a linear model on 20 rows) through the whole
 * harness (local S3 server, the synthesized state machine with the emulated Distributed Map, the worker pool),
 * at 100, 500 and 2,000 trials. Prints, apart from each other:
 *   - start-up: importing the harness, a cold start (empty assembly cache: CDK synth + bundling) and warm starts
 *     (cache hit), with their parts (cache key, assembly load, S3 server);
 *   - per-sweep fixed cost (a 5-trial sweep: plan, worker swaps, aggregate, refit) and the first sweep of a process;
 *   - per-trial cost at each size: wall / trials, the map phase / trials, the slope of wall against trials
 *     (linear growth: R² and the per-trial cost at each size), and the training time inside the handler;
 *   - the components of a trial's overhead measured alone: S3 round trips, a worker-pool invocation, the state
 *     machine library + Map emulation per item.
 * With --profile DIR it re-runs itself under --cpu-prof (and the S3 server too) and prints where each thread's
 * CPU time went during the measured sweep.
 *
 * Usage: npm run bench:harness [-- --sizes 100,500,2000 --reps 3 --workers 2 --no-cold --no-components --batch-size N]
 *        npm run bench:harness -- --profile /tmp/prof [--sizes 2000] [--keep-assembly]
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { arg, emit, flag, note, numbers, readyPort, reexecLikeCli, REPO, run, tempDir } from './lib/cli';
import { childrenCpuMs, childStats, loadNow, machine, machineLine, otherLoadMeter, processCpuMs, type Load } from './lib/machine';
import { monotonicUs, profileFiles, summarizeProfiles } from './lib/profiles';
import { linearFit, median, round, since } from './lib/stats';
import { PhaseClock, tinySpec, writeTinyDataset } from './lib/tiny-sweep';
import type { Harness as HarnessType } from '../local/harness';
import { S3_SERVER_SCRIPT } from '../local/s3server';

type HarnessModule = typeof import('../local/harness');

/** The S3 server's process (the harness's local server), for its CPU. */
const s3Needle = S3_SERVER_SCRIPT;

interface SweepRun {
  readonly trials: number;
  readonly wallMs: number;
  readonly mapMs: number;
  readonly phases: Record<string, number>;
  /** Mean in-handler time of a trial (its record's durationMs: spec/dataset from cache + HEAD + training). */
  readonly handlerMs: number;
  readonly coldStarts: number;
  readonly status: string;
  readonly load: Load;
  /** CPU time of the harness process (main + worker threads) and of the S3 server process during the run. */
  readonly cpuMs: number;
  readonly s3CpuMs: number;
  /** Cores other jobs on the machine used meanwhile. */
  readonly otherCores: number;
}

const ms = (x: number, d = 1) => round(x, d);

/** Runs one tiny sweep and collects its timings. */
async function tinySweep(h: HarnessType, source: string, trials: number, id: string, onWindow?: (startUs: number, endUs: number) => void): Promise<SweepRun> {
  const clock = new PhaseClock();
  const before = h.poolStats().coldStarts;
  const others = otherLoadMeter(() => childrenCpuMs(s3Needle));
  const cpu0 = processCpuMs();
  const s3cpu0 = childStats(s3Needle)?.cpuMs ?? NaN;
  const startUs = monotonicUs();
  const t0 = performance.now();
  const batchSize = arg('batch-size', '') ? Number(arg('batch-size', '')) : undefined;
  const result = await h.runSweep(tinySpec(id, source, trials, batchSize), { onEvent: clock.onEvent });
  const wallMs = since(t0);
  onWindow?.(startUs, monotonicUs());
  const cpuMs = processCpuMs() - cpu0;
  const s3CpuMs = (childStats(s3Needle)?.cpuMs ?? NaN) - s3cpu0;
  const otherCores = others()?.otherCores ?? NaN;
  const load = loadNow();
  if (result.status !== 'SUCCEEDED') throw new Error(`sweep ${id} ${result.status}: ${result.error}: ${result.cause}`);
  // The map results (ResultWriter, COMPACT) hold every trial's summary with its durationMs.
  let handlerMs = NaN;
  const keys = await h.store.listKeys(`sweeps/${id}/map-results/`);
  const succeededKey = keys.find((k) => k.endsWith('/SUCCEEDED_0.json'));
  if (succeededKey) {
    // One row per batch: its per-trial outcomes (rows of older, unbatched runs were one trial each).
    type Row = { durationMs?: number; trials?: { durationMs?: number }[] };
    const rows = ((await h.store.getJson(succeededKey)) as Row[]).flatMap((r) => r.trials ?? [r]);
    handlerMs = rows.reduce((a, r) => a + (r.durationMs ?? 0), 0) / rows.length;
  }
  // Keep the server's store small and each run independent.
  await h.store.deletePrefix(`sweeps/${id}/`);
  return {
    trials,
    wallMs,
    mapMs: clock.mapMs,
    phases: clock.phases,
    handlerMs,
    coldStarts: h.poolStats().coldStarts - before,
    status: result.status,
    load,
    cpuMs,
    s3CpuMs,
    otherCores,
  };
}

/** Start-up: cold (empty cache) once, then warm starts; each closed again. */
async function startups(mod: HarnessModule, cacheDir: string, workers: number, warmRuns: number, cold: boolean) {
  const { Harness, assemblyKey, loadAssembly } = mod;
  let coldMs: number | undefined;
  if (cold) {
    note('cold start: synthesizing the stack into an empty cache (takes a while)...');
    const t0 = performance.now();
    const h = await Harness.start({ workers, cacheDir, log: note });
    coldMs = since(t0);
    if (h.assembly.cached) throw new Error('cold start found a cached assembly in a fresh cache dir');
    await h.close();
  } else {
    loadAssembly({ cacheDir, log: note });
  }
  const warm: number[] = [];
  const close: number[] = [];
  let misses = 0;
  while (warm.length < warmRuns && misses < 3) {
    const t0 = performance.now();
    const h = await Harness.start({ workers, cacheDir, log: note });
    const took = since(t0);
    const t1 = performance.now();
    await h.close();
    // Someone edited infra/, functions/ or shared/ meanwhile: that start synthesized; do not count it.
    if (!h.assembly.cached) {
      misses++;
      note('warm start missed the cache (sources were edited meanwhile); not counted');
      continue;
    }
    warm.push(took);
    close.push(since(t1));
  }
  // The parts of a warm start, alone.
  const key: number[] = [];
  const load: number[] = [];
  const server: number[] = [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a static import would load local/ before main() times the harness's import
  const { startS3Server } = require('../local/s3server') as typeof import('../local/s3server');
  for (let i = 0; i < warmRuns; i++) {
    let t0 = performance.now();
    assemblyKey({});
    key.push(since(t0));
    t0 = performance.now();
    loadAssembly({ cacheDir });
    load.push(since(t0));
    t0 = performance.now();
    const s = await startS3Server({ buckets: ['regsweep-local'] });
    server.push(since(t0));
    await s.stop();
  }
  return {
    coldMs: coldMs === undefined ? undefined : ms(coldMs, 0),
    warmMs: ms(median(warm), 0),
    warmRunsMs: warm.map((x) => ms(x, 0)),
    closeMs: ms(median(close), 0),
    parts: { assemblyKeyMs: ms(median(key)), loadAssemblyCachedMs: ms(median(load)), s3ServerStartMs: ms(median(server), 0) },
    synthMs: coldMs === undefined ? undefined : ms(coldMs - median(warm), 0),
  };
}

/** Each part of a trial's overhead, alone. */
async function components(h: HarnessType, workers: number) {
  const store = h.store;
  const reps = 200;
  const timeEach = async (fn: (i: number) => Promise<unknown>, n = reps, concurrency = 1) => {
    for (let i = 0; i < 10; i++) await fn(-1 - i);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) await fn(next++);
      }),
    );
    return since(t0) / n;
  };
  // A record of the size a tiny trial writes (about 1.5 KB).
  const record = JSON.stringify({ schemaVersion: 1, pad: 'x'.repeat(1400) });
  await store.putText('bench/dataset.csv', 'a,b\n1,2\n');
  const s3 = {
    getMissingMs: ms(await timeEach((i) => store.getJson(`bench/missing-${i}.json`)), 2),
    headMs: ms(await timeEach(() => store.head('bench/dataset.csv')), 2),
    putRecordMs: ms(await timeEach((i) => store.putText(`bench/r/${i}.json`, record)), 2),
    getRecordMs: ms(await timeEach((i) => store.getText(`bench/r/${Math.max(0, i) % reps}.json`)), 2),
    /** Server throughput with `workers` clients: a trial's 3 requests (GET 404, HEAD, PUT) back to back. */
    trialRequestsAtWorkersMs: ms(
      await timeEach(
        async (i) => {
          await store.getJson(`bench/missing-${i}.json`);
          await store.head('bench/dataset.csv');
          await store.putText(`bench/w/${i}.json`, record);
        },
        reps,
        workers,
      ),
      2,
    ),
    /** Aggregate's read pattern (32 GETs in flight), per record. */
    getRecordAt32Ms: ms(await timeEach((i) => store.getText(`bench/r/${Math.max(0, i) % reps}.json`), 4 * reps, 32), 2),
  };
  await store.deletePrefix('bench/');

  // Worker pool: a no-op function, 100 invocations in flight (the Map's MaxConcurrency), `workers` workers.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as startS3Server above
  const { LambdaPool } = require('../local/lambda-pool') as typeof import('../local/lambda-pool');
  const dir = tempDir('noop');
  fs.writeFileSync(path.join(dir, 'index.js'), 'exports.handler = async (event) => ({ ok: true, trialId: event.trialId });\n');
  const pool = new LambdaPool({ functions: { Noop: { bundlePath: path.join(dir, 'index.js'), timeoutSeconds: 60, memoryMb: 256 } }, size: workers });
  const event = {
    sweepId: 'bench',
    trialId: 't-0123456789abcdef',
    configId: 'l2-0123456789',
    fold: 1,
    seed: 8,
    reg: { type: 'l2', lambda: 1, dropoutRate: 0, l1Ratio: 0 },
  };
  const poolMs = await timeEach(() => pool.invoke('Noop', event), 2000, 100);
  await pool.close();
  fs.rmSync(dir, { recursive: true, force: true });

  // The state machine library + the Map emulation, with every Lambda answering at once, in memory (batches of 1 item:
  // the cost per child execution).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as startS3Server above
  const { runStateMachine } = require('../local/runner') as typeof import('../local/runner');
  const definition = (h as unknown as { definition?: object }).definition;
  let machinePerItemMs = NaN;
  if (definition) {
    const items = 2000;
    const mem = new Map<string, unknown>();
    mem.set(
      `${h.bucket}/m.json`,
      Array.from({ length: items }, (_, i) => ({ ...event, fold: i })),
    );
    const runOnce = () =>
      runStateMachine({
        definition,
        input: { sweepId: 'bench' },
        invokeLambda: (fn, payload) =>
          Promise.resolve(
            /Plan/.test(fn)
              ? { sweepId: 'bench', bucket: h.bucket, manifestKey: 'm.json', trialCount: items, batchSize: 1, batchCount: items }
              : { tooManyFailed: false, trials: (payload as { Items?: { trialId?: string }[] }).Items?.map((i) => ({ trialId: i.trialId })) },
          ),
        readJson: (b, k) => Promise.resolve(mem.get(`${b}/${k}`)),
        writeJson: (b, k, v) => Promise.resolve(void mem.set(`${b}/${k}`, v)),
      });
    await runOnce(); // validation of the definition is cached per process; JIT warm-up
    const t0 = performance.now();
    const r = await runOnce();
    machinePerItemMs = since(t0) / items;
    if (r.status !== 'SUCCEEDED') throw new Error(`in-memory run ${r.status}: ${r.error} ${r.cause}`);
  }
  return { s3, poolInvokeMs: ms(poolMs, 3), stateMachinePerItemMs: ms(machinePerItemMs, 3) };
}

/** --profile DIR: run this benchmark again under --cpu-prof with a profiled S3 server, then summarise. */
async function profileMode(dir: string): Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 's3'), { recursive: true });
  const s3Dir = tempDir('s3');
  // One key pair for the server and, through the environment, for the profiled harness and its functions.
  const keys = { AWS_ACCESS_KEY_ID: `BENCH${randomBytes(8).toString('hex').toUpperCase()}`, AWS_SECRET_ACCESS_KEY: randomBytes(30).toString('base64') };
  const s3 = spawn(
    process.execPath,
    [
      '--cpu-prof',
      `--cpu-prof-dir=${path.join(dir, 's3')}`,
      path.join(REPO, 'local', S3_SERVER_SCRIPT),
      '--dir',
      s3Dir,
      '--port',
      '0',
      '--bucket',
      'regsweep-local',
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, REGSWEEP_S3_ACCESS_KEY_ID: keys.AWS_ACCESS_KEY_ID, REGSWEEP_S3_SECRET_ACCESS_KEY: keys.AWS_SECRET_ACCESS_KEY },
    },
  );
  const port = await readyPort(s3, 'the local S3 server');
  const size = String(numbers('sizes', [500])[0]);
  const childArgs = [
    '--cpu-prof',
    `--cpu-prof-dir=${path.join(dir, 'main')}`,
    '-e',
    "require('tsx/cjs'); require(process.argv[1])",
    __filename,
    '--profile-child',
    dir,
    '--sizes',
    size,
    '--reps',
    '1',
    '--no-cold',
    '--no-components',
    '--workers',
    arg('workers', '2'),
  ];
  note(`profiling a ${size}-trial sweep: node ${childArgs.join(' ')}`);
  const child = spawn(process.execPath, childArgs, {
    cwd: REPO,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...keys, REGSWEEP_BENCH_S3_ENDPOINT: `http://127.0.0.1:${port}` },
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  s3.kill('SIGTERM');
  await new Promise((resolve) => s3.once('exit', resolve));
  fs.rmSync(s3Dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`profiled run failed (${code})`);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'window.json'), 'utf8')) as {
    startUs: number;
    endUs: number;
    trials: number;
    bundles: Record<string, string>;
    wallMs: number;
  };
  const threads = summarizeProfiles(profileFiles(dir), meta, meta.bundles).filter((t) => t.busyMs >= 5);
  if (!flag('keep-assembly')) fs.rmSync(path.join(dir, 'cache'), { recursive: true, force: true });
  const lines = [`CPU time by thread during the ${meta.trials}-trial sweep (${ms(meta.wallMs, 0)} ms wall; profiles in ${dir}):`];
  for (const t of threads) {
    lines.push(
      `  ${t.role.padEnd(28)} busy ${String(t.busyMs).padStart(6)} ms = ${ms(t.busyMs / meta.trials, 2)} ms/trial   ${t.byOwner
        .slice(0, 8)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    lines.push(`      by kind: ${t.categories.map(([k, v]) => `${k} ${Math.round((100 * v) / t.busyMs)}%`).join(', ')}`);
    if (t.hot.length)
      lines.push(
        `      hot (inclusive): ${t.hot
          .slice(0, 6)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
  }
  const cpu = threads.reduce((a, t) => a + t.busyMs, 0);
  lines.push(
    `  total CPU ${cpu} ms = ${ms(cpu / meta.trials, 2)} ms/trial; on ${machine().nproc} cores at least ${ms(cpu / meta.trials / machine().nproc, 2)} ms/trial of wall`,
  );
  emit(lines, {
    bench: 'harness-profile',
    trials: meta.trials,
    wallMs: ms(meta.wallMs, 0),
    cpuMs: cpu,
    cpuMsPerTrial: ms(cpu / meta.trials, 2),
    threads,
    machine: machine(),
  });
}

async function main() {
  const profileDir = arg('profile', '');
  if (profileDir) return profileMode(path.resolve(profileDir));
  const profileChild = arg('profile-child', '');

  const sizes = numbers('sizes', [100, 500, 2000]);
  const workers = Number(arg('workers', '2'));
  const reps = Number(arg('reps', '3'));
  const warmRuns = Number(arg('warm-starts', '5'));
  const m0 = machine();
  note(machineLine(m0));

  let t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- this import is what is timed
  const mod: HarnessModule = require('../local/harness') as typeof import('../local/harness');
  const importMs = since(t0);

  // A profiled run keeps its assembly next to the profiles: the bundles' source maps say where their time went.
  const cacheDir = profileChild ? path.join(profileChild, 'cache') : tempDir('cache');
  try {
    const start = profileChild ? undefined : await startups(mod, cacheDir, workers, warmRuns, !flag('no-cold'));
    if (profileChild) mod.loadAssembly({ cacheDir, log: note });

    const h = await mod.Harness.start({ workers, cacheDir, s3Endpoint: process.env.REGSWEEP_BENCH_S3_ENDPOINT });
    try {
      const dataDir = tempDir('data');
      const source = await h.uploadDataset(writeTinyDataset(dataDir));
      fs.rmSync(dataDir, { recursive: true, force: true });
      // The first sweep of a process: definition validation (once per process) and the first workers' cold starts.
      t0 = performance.now();
      await tinySweep(h, source, 10, 'first');
      const firstSweepMs = since(t0);
      // Fixed cost of any sweep: plan, aggregate, refit, and the workers swapped between functions.
      const fixed: SweepRun[] = [];
      for (let i = 0; i < (profileChild ? 1 : 3); i++) fixed.push(await tinySweep(h, source, 5, `fixed-${i}`));

      const runs: SweepRun[] = [];
      let seq = 0;
      for (let r = 0; r < reps; r++) {
        for (const n of sizes) {
          note(`sweep of ${n} trials (rep ${r + 1}/${reps}); load ${loadNow().load1}`);
          const res = await tinySweep(
            h,
            source,
            n,
            `tiny-${seq++}`,
            profileChild
              ? (startUs, endUs) => {
                  const bundles: Record<string, string> = {};
                  for (const [id, res2] of Object.entries(
                    h.assembly.template.Resources as Record<string, { Type: string; Properties?: { Code?: { S3Key?: string } } }>,
                  )) {
                    const k = res2.Properties?.Code?.S3Key;
                    if (res2.Type === 'AWS::Lambda::Function' && k) bundles[k.replace(/\.zip$/, '')] = id.replace(/^Functions/, '').replace(/[0-9A-F]{8}$/, '');
                  }
                  fs.writeFileSync(
                    path.join(profileChild, 'window.json'),
                    JSON.stringify({ startUs, endUs, trials: n, bundles, wallMs: (endUs - startUs) / 1e3 }),
                  );
                }
              : undefined,
          );
          runs.push(res);
          note(`  ${ms(res.wallMs, 0)} ms wall, ${ms(res.wallMs / n, 2)} ms/trial, map ${ms(res.mapMs / n, 2)} ms/trial`);
        }
      }
      if (profileChild) return;
      const comp = flag('no-components') ? undefined : await components(h, workers);

      // Per size: medians over the reps.
      const bySize = sizes.map((n) => {
        const rs = runs.filter((r) => r.trials === n);
        const wall = median(rs.map((r) => r.wallMs));
        const map = median(rs.map((r) => r.mapMs));
        const aggregate = median(rs.map((r) => r.phases.Aggregate ?? NaN));
        return {
          trials: n,
          runs: rs.length,
          wallMs: ms(wall, 0),
          wallRunsMs: rs.map((r) => ms(r.wallMs, 0)),
          perTrialMs: ms(wall / n, 2),
          mapPerTrialMs: ms(map / n, 2),
          aggregatePerTrialMs: ms(aggregate / n, 2),
          planMs: ms(median(rs.map((r) => r.phases.PlanSweep ?? NaN)), 0),
          refitMs: ms(median(rs.map((r) => r.phases.RefitBest ?? NaN)), 0),
          handlerMsPerTrial: ms(median(rs.map((r) => r.handlerMs)), 2),
          /** CPU per trial: the harness process (all threads) and the S3 server; wall can't go below their sum / cores. */
          cpuMsPerTrial: ms(median(rs.map((r) => r.cpuMs)) / n, 2),
          s3CpuMsPerTrial: ms(median(rs.map((r) => r.s3CpuMs)) / n, 2),
          otherCores: rs.map((r) => r.otherCores),
          workerColdStarts: median(rs.map((r) => r.coldStarts)),
        };
      });
      const fit = linearFit(
        bySize.map((s) => s.trials),
        bySize.map((s) => s.wallMs),
      );
      // CPU grows linearly too; its slope / cores is the wall per trial on an otherwise idle machine (at best).
      const cpuFit = linearFit(
        sizes.map((n) => n),
        sizes.map((n) => median(runs.filter((r) => r.trials === n).map((r) => r.cpuMs + r.s3CpuMs))),
      );
      const cores = m0.nproc;
      const fixedMs = median(fixed.map((f) => f.wallMs));
      const m1 = machine();
      const otherCores = round(median(runs.map((r) => r.otherCores)), 2);
      const highLoad = runs.some((r) => r.otherCores > 0.5);

      const lines = [
        `harness overhead (tiny trials: linear model, 1 epoch, 20 rows) with ${workers} workers; backend wasm in the workers; S3 server local/s3-server-process.js (the harness's)`,
        `${machineLine(m1)}; load average before: ${m0.load.load1}; other jobs used ${otherCores} cores (median over the sweeps; per sweep: ${runs.map((r) => r.otherCores).join(', ')})`,
        start
          ? `start-up: import ${ms(importMs, 0)} ms; cold (empty cache) ${start.coldMs ?? '-'} ms (synth + bundling ~${start.synthMs ?? '-'} ms); ` +
            `warm ${start.warmMs} ms (median of ${warmRuns}: key ${start.parts.assemblyKeyMs} ms, cached assembly ${start.parts.loadAssemblyCachedMs} ms, S3 server ${start.parts.s3ServerStartMs} ms); close ${start.closeMs} ms`
          : '',
        `first sweep of a process (10 trials): ${ms(firstSweepMs, 0)} ms; fixed cost of any sweep (5 trials): ${ms(fixedMs, 0)} ms`,
        ...bySize.map(
          (s) =>
            `  ${String(s.trials).padStart(5)} trials: ${String(s.wallMs).padStart(7)} ms wall (median of ${s.runs}) = ${s.perTrialMs} ms/trial; ` +
            `map ${s.mapPerTrialMs} ms/trial, aggregate ${s.aggregatePerTrialMs} ms/trial, plan ${s.planMs} ms, refit ${s.refitMs} ms; handler ${s.handlerMsPerTrial} ms/trial; ` +
            `CPU ${s.cpuMsPerTrial} ms/trial in the harness process + ${s.s3CpuMsPerTrial} ms/trial in the S3 server`,
        ),
        `linear fit wall = ${ms(fit.intercept, 0)} ms + ${ms(fit.slope, 2)} ms x trials (R² ${round(fit.r2, 4)}); target < 10 ms/trial at 2 workers: ${fit.slope < 10 ? 'met' : 'MISSED'}`,
        `CPU (harness process + S3 server) = ${ms(cpuFit.intercept, 0)} ms + ${ms(cpuFit.slope, 2)} ms x trials: on ${cores} cores no less than ${ms(cpuFit.slope / cores, 2)} ms/trial of wall, whatever the load`,
        comp
          ? `components: S3 GET(404) ${comp.s3.getMissingMs} ms, HEAD ${comp.s3.headMs} ms, PUT record ${comp.s3.putRecordMs} ms, GET record ${comp.s3.getRecordMs} ms; ` +
            `a trial's 3 requests with ${workers} clients ${comp.s3.trialRequestsAtWorkersMs} ms/trial; aggregate GET at 32 in flight ${comp.s3.getRecordAt32Ms} ms/record; ` +
            `pool invoke (no-op) ${comp.poolInvokeMs} ms; state machine + Map emulation ${comp.stateMachinePerItemMs} ms/item`
          : '',
        highLoad ? 'NOTE: other jobs took more than half a core during some sweeps; those wall figures are pessimistic.' : '',
      ].filter(Boolean);
      emit(lines, {
        bench: 'harness',
        workers,
        sizes: bySize,
        fit: { fixedMs: ms(fit.intercept, 0), perTrialMs: ms(fit.slope, 3), r2: round(fit.r2, 5) },
        cpuFit: {
          fixedMs: ms(cpuFit.intercept, 0),
          perTrialMs: ms(cpuFit.slope, 3),
          r2: round(cpuFit.r2, 5),
          cores,
          wallFloorMsPerTrial: ms(cpuFit.slope / cores, 3),
        },
        perTrialTargetMs: 10,
        perTrialTargetMet: fit.slope < 10,
        importMs: ms(importMs, 0),
        start,
        startTargetMs: 2000,
        firstSweepMs: ms(firstSweepMs, 0),
        fixedSweepMs: ms(fixedMs, 0),
        components: comp,
        highLoad,
        otherCores,
        machine: m1,
        loadAtStart: m0.load,
      });
    } finally {
      await h.close();
    }
  } finally {
    if (!profileChild) fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

if (!reexecLikeCli(__filename)) run(main);
