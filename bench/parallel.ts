/**
 * Parallel speedup: the default sweep (examples/specs/default.json, 75 trials) through the harness with 1 and
 * with 2 workers, on a warm assembly; speedup = t1 / t2 (medians). The runs alternate (1, 2, 2, 1, ...) so a
 * change of machine load hits both sides alike. Also prints the map phase alone (the part that runs in
 * parallel) and the serial parts (plan, aggregate, refit), which bound the speedup (Amdahl).
 *
 * Usage: npm run bench:parallel [-- --reps 3 --spec examples/specs/default.json --workers 1,2]
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { arg, emit, note, numbers, reexecLikeCli, REPO, run } from './lib/cli';
import { childrenCpuMs, loadNow, machine, machineLine, otherLoadMeter, processCpuMs, type Load } from './lib/machine';
import { median, round, since } from './lib/stats';
import { PhaseClock } from './lib/tiny-sweep';
import { Harness, loadAssembly } from '../local/harness';
import { resolveGrid } from '../shared/search/default-grid';
import { expandGrid } from '../shared/search/strategy';
import { parseSpec } from '../shared/search/spec';
import { S3_SERVER_SCRIPT } from '../local/s3server';

interface Run {
  readonly workers: number;
  readonly wallMs: number;
  readonly mapMs: number;
  readonly serialMs: number;
  readonly trialCpuMs: number;
  readonly load: Load;
  readonly otherCores: number;
  /** CPU of the harness process (all threads) and the S3 servers during the sweep. */
  readonly cpuMs: number;
}

/** One sweep in a started harness; `workers` is filled in by the caller. */
async function sweepOnce(h: Harness, spec: Record<string, unknown>, source: string, id: string): Promise<Run> {
  const clock = new PhaseClock();
  const others = otherLoadMeter(() => childrenCpuMs(S3_SERVER_SCRIPT));
  const cpu0 = processCpuMs() + childrenCpuMs(S3_SERVER_SCRIPT);
  const t0 = performance.now();
  const result = await h.runSweep({ ...spec, sweepId: id, dataset: { ...(spec.dataset as object), source } }, { onEvent: clock.onEvent });
  const wallMs = since(t0);
  const otherCores = others()?.otherCores ?? NaN;
  const cpuMs = processCpuMs() + childrenCpuMs(S3_SERVER_SCRIPT) - cpu0;
  if (result.status !== 'SUCCEEDED') throw new Error(`sweep ${id}: ${result.status} ${result.error} ${result.cause}`);
  // Sum of the trials' own times (their records' durationMs), from the map results.
  const key = (await h.store.listKeys(`sweeps/${id}/map-results/`)).find((k) => k.endsWith('/SUCCEEDED_0.json'));
  // A row is a batch's output: its trials' outcomes (each with durationMs).
  const rows = key ? ((await h.store.getJson(key)) as { trials?: { durationMs?: number }[] }[]) : [];
  const trialCpuMs = rows.flatMap((r) => r.trials ?? []).reduce((a, t) => a + (t.durationMs ?? 0), 0);
  const serialMs = (clock.phases.PlanSweep ?? 0) + (clock.phases.Aggregate ?? 0) + (clock.phases.RefitBest ?? 0);
  await h.store.deletePrefix(`sweeps/${id}/`);
  return { workers: NaN, wallMs, mapMs: clock.mapMs, serialMs, trialCpuMs, load: loadNow(), otherCores, cpuMs };
}

/** How much faster 2 threads run a CPU-bound JS loop than 1 (is the second vCPU a real core?). */
async function threadScaling(): Promise<number> {
  const code = `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (ms) => {
  let n = 0; const a = new Float64Array(4096); const t0 = performance.now();
  while (performance.now() - t0 < ms) { for (let i = 0; i < 4096; i++) a[i] = a[i] * 0.999 + Math.sqrt(i + n); n++; }
  parentPort.postMessage(n);
});`;
  const loops = async (threads: number) => {
    const ws = Array.from({ length: threads }, () => new Worker(code, { eval: true }));
    try {
      const counts = await Promise.all(
        ws.map(
          (w) =>
            new Promise<number>((resolve) => {
              w.once('message', resolve);
              w.postMessage(700);
            }),
        ),
      );
      return counts.reduce((a, b) => a + b, 0);
    } finally {
      await Promise.all(ws.map((w) => w.terminate()));
    }
  };
  const ratios: number[] = [];
  for (let i = 0; i < 3; i++) ratios.push((await loops(2)) / (await loops(1)));
  return round(median(ratios), 2);
}

async function main() {
  const specFile = path.resolve(arg('spec', path.join(REPO, 'examples', 'specs', 'default.json')));
  const reps = Number(arg('reps', '3'));
  const counts = numbers('workers', [1, 2]);
  const m0 = machine();
  note(machineLine(m0));
  const raw = JSON.parse(fs.readFileSync(specFile, 'utf8')) as Record<string, unknown>;
  const dataset = raw.dataset as { source: string };
  // As `regsweep local` does: relative to the spec file, else to the repository (the embedded default's base).
  const file = [path.resolve(path.dirname(specFile), dataset.source), path.resolve(REPO, dataset.source)].find((f) => fs.existsSync(f));
  if (!file) throw new Error(`dataset ${dataset.source} of ${specFile} not found`);
  const spec = parseSpec(raw);
  const trials = expandGrid(spec, resolveGrid(spec)).length; // its size: a default grid's does not depend on the data

  const calibration = await threadScaling();
  const asm = loadAssembly({ log: note }); // warm the cache first: synthesis is not what is measured
  note(`assembly ${asm.cached ? 'from the cache' : 'synthesized now'}; ${trials} trials per sweep`);
  // One harness per worker count, started once (so an edit of the sources meanwhile cannot make a run synthesize);
  // the sweeps alternate between them.
  const harnesses = new Map<number, { h: Harness; source: string }>();
  const runs: Run[] = [];
  try {
    for (const w of counts) {
      const h = await Harness.start({ workers: w });
      harnesses.set(w, { h, source: await h.uploadDataset(file) });
    }
    // Warm-up: the definition's validation (once per process) and the JIT, outside the figures.
    await sweepOnce(
      harnesses.get(counts[0])!.h,
      { ...raw, search: { ...(raw.search as object), types: ['none'] } },
      harnesses.get(counts[0])!.source,
      'parallel-warmup',
    );
    let seq = 0;
    for (let r = 0; r < reps; r++) {
      const order = r % 2 === 0 ? counts : [...counts].reverse();
      for (const w of order) {
        note(`sweep with ${w} worker(s), rep ${r + 1}/${reps}; load ${loadNow().load1}`);
        const { h, source } = harnesses.get(w)!;
        const res = { ...(await sweepOnce(h, raw, source, `parallel-${seq++}`)), workers: w };
        note(`  ${round(res.wallMs / 1000, 2)} s wall (map ${round(res.mapMs / 1000, 2)} s, serial parts ${round(res.serialMs / 1000, 2)} s)`);
        runs.push(res);
      }
    }
  } finally {
    for (const { h } of harnesses.values()) await h.close();
  }

  const per = counts.map((w) => {
    const rs = runs.filter((r) => r.workers === w);
    return {
      workers: w,
      wallS: round(median(rs.map((r) => r.wallMs)) / 1000, 2),
      wallRunsS: rs.map((r) => round(r.wallMs / 1000, 2)),
      mapS: round(median(rs.map((r) => r.mapMs)) / 1000, 2),
      serialS: round(median(rs.map((r) => r.serialMs)) / 1000, 2),
      trialMsMean: round(median(rs.map((r) => r.trialCpuMs)) / trials, 0),
      otherCores: rs.map((r) => r.otherCores),
      cpuS: round(median(rs.map((r) => r.cpuMs)) / 1000, 2),
      /** Share of the machine's cores busy with this sweep. */
      utilization: round(median(rs.map((r) => r.cpuMs / (r.wallMs * os.availableParallelism()))), 2),
    };
  });
  const base = per.find((p) => p.workers === Math.min(...counts))!;
  const top = per.find((p) => p.workers === Math.max(...counts))!;
  const speedup = base.wallS / top.wallS;
  // Speedup within each rep (the two runs were back to back, so under about the same load).
  const pairs = Array.from({ length: reps }, (_, r) => {
    const one = runs.find((x, i) => x.workers === base.workers && Math.floor(i / counts.length) === r);
    const two = runs.find((x, i) => x.workers === top.workers && Math.floor(i / counts.length) === r);
    return one && two ? round(one.wallMs / two.wallMs, 2) : NaN;
  });
  const mapSpeedup = base.mapS / top.mapS;
  // Amdahl: the serial parts (plan, aggregate, refit) do not shrink with more workers.
  const amdahlBound = base.wallS / (base.serialS + (base.wallS - base.serialS) / (top.workers / base.workers));
  const m1 = machine();
  const highLoad = runs.some((r) => r.otherCores > 0.5);
  emit(
    [
      `parallel speedup: ${path.relative(REPO, specFile)} (${trials} trials) through the harness, warm assembly`,
      `${machineLine(m1)}; load average before: ${m0.load.load1}`,
      ...per.map(
        (p) =>
          `  ${p.workers} worker(s): ${p.wallS} s wall (median of ${p.wallRunsS.length}: ${p.wallRunsS.join(', ')}); map ${p.mapS} s; plan+aggregate+refit ${p.serialS} s; mean trial ${p.trialMsMean} ms; CPU ${p.cpuS} s (cores ${Math.round(p.utilization * 100)}% busy); other jobs used ${p.otherCores.join(', ')} cores`,
      ),
      `  this machine runs 2 CPU-bound threads ${calibration}x as fast as 1 (pure JS loop): the cores are really parallel`,
      `speedup ${top.workers} vs ${base.workers} workers: ${round(speedup, 2)}x wall, ${round(mapSpeedup, 2)}x map phase; Amdahl bound with these serial parts ${round(amdahlBound, 2)}x; per rep ${pairs.join(', ')}; target >= 1.8x: ${speedup >= 1.8 ? 'met' : 'MISSED'}`,
      highLoad
        ? 'NOTE: other jobs took more than half a core during some sweeps; those figures are pessimistic (and the speedup too: 2 workers need both cores).'
        : '',
    ].filter(Boolean),
    {
      bench: 'parallel',
      spec: path.relative(REPO, specFile),
      trials,
      runs: per,
      speedup: round(speedup, 3),
      speedupPerRep: pairs,
      mapSpeedup: round(mapSpeedup, 3),
      amdahlBound: round(amdahlBound, 3),
      threadScaling: calibration,
      target: 1.8,
      targetMet: speedup >= 1.8,
      highLoad,
      machine: m1,
    },
  );
}

if (!reexecLikeCli(__filename)) run(main);
