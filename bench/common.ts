/**
 * Helpers shared by the benchmarks: command-line flags, the machine and its load, medians, a straight-line
 * fit, the tiny sweep (trivial training, to measure the harness alone), the sweep's phase timings, and the
 * output convention (human lines on stdout, then ONE JSON line). Benchmarks print figures; nothing here asserts
 * a speed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

export const REPO = path.resolve(__dirname, '..');

// ------------------------------------------------------------------------------------------------ flags

/** `--name value`, or the fallback. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** `--name 1,2,3` as numbers. */
export function numbers(name: string, fallback: number[]): number[] {
  const v = arg(name, '');
  if (!v) return fallback;
  const out = v.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isFinite(n))) throw new Error(`--${name}: expected numbers separated by commas, got ${v}`);
  return out;
}

// ------------------------------------------------------------------------------------------------ machine

export interface Load {
  readonly load1: number;
  readonly load5: number;
  readonly load15: number;
}

export function loadNow(): Load {
  const [load1, load5, load15] = os.loadavg().map((x) => +x.toFixed(2));
  return { load1, load5, load15 };
}

/** Busy CPU time (ms) of the whole machine, from /proc/stat (user, nice, system, irq, softirq, steal). */
function machineBusyMs(): number {
  const f = /^cpu\s+(.+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))![1].split(/\s+/).map(Number);
  return ((f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) * 1000) / 100;
}

/** CPU time (ms) of this process and of its children that have exited (cutime, cstime). */
function ownTreeMs(): number {
  const st = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / 100;
}

export interface OtherLoad {
  /** Cores used on average by processes other than this benchmark (and its children) during the measurement. */
  readonly otherCores: number;
  /** Cores used on average by the whole machine. */
  readonly machineCores: number;
  /** More than half a core went to other jobs: the figures are pessimistic. */
  readonly high: boolean;
}

/**
 * Measures how much CPU other jobs took while a benchmark ran, which the load average cannot tell (it counts
 * the benchmark itself). `liveChildren` gives the CPU ms of children still running (e.g. the S3 server).
 * Returns undefined outside Linux.
 */
export function otherLoadMeter(liveChildren: () => number = () => 0): (() => OtherLoad | undefined) {
  let start: { t: number; busy: number; own: number } | undefined;
  try {
    start = { t: performance.now(), busy: machineBusyMs(), own: ownTreeMs() + liveChildren() };
  } catch {
    return () => undefined;
  }
  return () => {
    const s = start!;
    const dt = performance.now() - s.t;
    const busy = machineBusyMs() - s.busy;
    const own = ownTreeMs() + liveChildren() - s.own;
    const otherCores = round(Math.max(0, busy - own) / dt, 2);
    return { otherCores, machineCores: round(busy / dt, 2), high: otherCores > 0.5 };
  };
}

export interface Machine {
  readonly date: string;
  readonly nproc: number;
  readonly cpuModel: string;
  readonly simd: string[];
  readonly memoryGb: number;
  readonly node: string;
  readonly platform: string;
  readonly load: Load;
}

export function machine(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  let simd: string[] = [];
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpuModel;
    const flags = new Set((/^flags\s*:\s*(.+)$/m.exec(info)?.[1] ?? '').split(/\s+/));
    simd = ['avx2', 'avx512f', 'fma'].filter((f) => flags.has(f));
  } catch {
    // not Linux: os.cpus() is enough
  }
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    cpuModel,
    simd,
    memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    load: loadNow(),
  };
}

export function machineLine(m: Machine = machine(), other?: OtherLoad): string {
  const l = m.load;
  const others = other ? `; other jobs used ${other.otherCores} of ${m.nproc} cores meanwhile${other.high ? ' (HIGH: the figures are pessimistic)' : ''}` : '';
  return `machine: ${m.nproc} x ${m.cpuModel} (${m.simd.join(', ') || 'no AVX flags'}), ${m.memoryGb} GB, node ${m.node}; load average ${l.load1} / ${l.load5} / ${l.load15}${others}`;
}

// ------------------------------------------------------------------------------------------------ process

/** tsx's loader flags in a process's execArgv (`tsx file.ts` starts node with --require preflight --import loader). */
const TSX_FLAG = /(^|[/\\])tsx([/\\]|$)|tsx\/dist/;
function tsxFlags(argv: readonly string[]): number[] {
  const at: number[] = [];
  for (let i = 0; i < argv.length; i++) {
    if ((argv[i] === '--require' || argv[i] === '-r' || argv[i] === '--import') && TSX_FLAG.test(argv[i + 1] ?? '')) at.push(i, i + 1);
    else if (/^--(require|import)=/.test(argv[i]) && TSX_FLAG.test(argv[i])) at.push(i);
  }
  return at;
}

/**
 * Worker threads inherit the parent's execArgv, so under `tsx bench/x.ts` every Lambda worker also loads tsx (its
 * hooks and source-map support: slower cold starts and error stacks), which `regsweep local` (bin/regsweep.js
 * requires tsx/cjs, execArgv stays empty) and Lambda do not. Re-run this script the CLI's way, keeping any other
 * flag (--cpu-prof, --expose-gc), unless --keep-tsx-in-workers. Returns true in the parent, which must stop.
 */
export function reexecLikeCli(file: string): boolean {
  const drop = tsxFlags(process.execArgv);
  if (drop.length === 0 || process.argv.includes('--keep-tsx-in-workers')) return false;
  const keep = process.execArgv.filter((_, i) => !drop.includes(i));
  const r = spawnSync(process.execPath, [...keep, '-e', "require('tsx/cjs'); require(process.argv[1])", file, ...process.argv.slice(2)], { stdio: 'inherit', cwd: REPO });
  process.exitCode = r.status ?? 1;
  return true;
}

/** CPU time (user + system, ms) and memory (VmHWM peak, VmRSS now; MB) of a child process of this one. */
export interface ChildStats {
  readonly pid: number;
  readonly cpuMs: number;
  readonly peakMb: number;
  readonly rssMb: number;
}

/** The first child process of this process whose command line contains `needle` (Linux /proc), if any. */
export function childStats(needle: string): ChildStats | undefined {
  return childrenStats(needle)[0];
}

/** CPU ms of every running child whose command line contains `needle`. */
export const childrenCpuMs = (needle: string) => childrenStats(needle).reduce((a, c) => a + c.cpuMs, 0);

/** Every child process of this process whose command line contains `needle` (Linux /proc). */
export function childrenStats(needle: string): ChildStats[] {
  const out: ChildStats[] = [];
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out; // not Linux
  }
  const ticks = 100; // USER_HZ on Linux
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) !== process.pid) continue;
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) continue;
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      out.push({ pid: Number(pid), cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / ticks, peakMb: round(kb('VmHWM') / 1024, 1), rssMb: round(kb('VmRSS') / 1024, 1) });
    } catch {
      // the process went away
    }
  }
  return out;
}

/** CPU time (ms) of this whole process: main thread and every worker thread. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

// ------------------------------------------------------------------------------------------------ statistics

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function round(x: number, digits = 3): number {
  return Number.isFinite(x) ? +x.toFixed(digits) : x;
}

/** Least squares y = intercept + slope * x, with R². */
export function linearFit(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  const slope = sxx === 0 ? NaN : sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept, r2 };
}

/** Milliseconds since `t0` (performance.now()). */
export const since = (t0: number) => performance.now() - t0;

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: since(t0), value };
}

// ------------------------------------------------------------------------------------------------ output

/** Human lines, then one JSON line (the last line of stdout is always the JSON). */
export function emit(lines: readonly string[], json: Record<string, unknown>): void {
  for (const l of lines) process.stdout.write(l + '\n');
  process.stdout.write(JSON.stringify(json) + '\n');
}

/** Progress on stderr (stdout stays the figures). */
export const note = (line: string) => process.stderr.write(line + '\n');

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `regsweep-bench-${prefix}-`));
}

/** Run main, print a failure and set the exit code. */
export function run(main: () => Promise<void>): void {
  main().then(
    () => {
      // Workers are unref'd and the S3 server is stopped; anything left (e.g. an SDK socket) must not hold us.
      setTimeout(() => process.exit(process.exitCode ?? 0), 50).unref();
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}

// ------------------------------------------------------------------------------------------------ tiny sweeps

export const TINY_ROWS = 20;
export const TINY_FOLDS = 5;

/** A 20-row regression CSV (3 features, y = 1 + 2 x0 - x1 + noise), deterministic. */
export function writeTinyDataset(dir: string, rows = TINY_ROWS): string {
  let s = 1;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const lines = ['x0,x1,x2,y'];
  for (let i = 0; i < rows; i++) {
    const x = [rnd(), rnd(), rnd()];
    const y = 1 + 2 * x[0] - x[1] + 0.1 * rnd();
    lines.push([...x, y].map((v) => v.toFixed(5)).join(','));
  }
  const file = path.join(dir, 'tiny.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/**
 * A sweep of `trials` trials whose training is trivial: a linear model (no hidden layer), 1 epoch, on 20 rows,
 * l2 over trials/5 lambda values x 5 folds. `trials` must be a multiple of 5.
 */
export function tinySpec(sweepId: string, source: string, trials: number): Record<string, unknown> {
  if (trials % TINY_FOLDS !== 0 || trials / TINY_FOLDS > 1000) throw new Error(`trials must be a multiple of ${TINY_FOLDS} up to 5000, got ${trials}`);
  return {
    sweepId,
    dataset: { source, target: 'y', task: 'regression' },
    model: { hidden: [] },
    training: { epochs: 1, batchSize: 32, learningRate: 0.01, optimizer: 'adam', patience: 0 },
    validation: { folds: TINY_FOLDS, testFraction: 0.2, seed: 7 },
    search: { types: ['l2'], lambda: { min: 0.001, max: 1000, count: trials / TINY_FOLDS } },
    selection: { rule: 'min' },
    limits: { maxTrials: 5000 },
  };
}

// ------------------------------------------------------------------------------------------------ phases

/**
 * Collects the times of the top-level states (PlanSweep, RunTrials, Aggregate, RefitBest) from the run's
 * events, and the map run's start and end. Pass `onEvent` to Harness.runSweep.
 */
export class PhaseClock {
  private readonly t0 = performance.now();
  private readonly entered = new Map<string, number>();
  readonly phases: Record<string, number> = {};
  mapStarted?: number;
  mapEnded?: number;
  firstItemDone?: number;
  itemsDone = 0;

  readonly onEvent = (e: { type?: unknown; state?: { name?: string } }) => {
    const now = performance.now() - this.t0;
    const name = e.state?.name;
    if (e.type === 'StateEntered' && name) this.entered.set(name, now);
    if ((e.type === 'StateExited' || e.type === 'StateFailed') && name && this.entered.has(name)) {
      this.phases[name] = now - this.entered.get(name)!;
    }
    if (e.type === 'MapRunStarted') this.mapStarted = now;
    if (e.type === 'MapItemSucceeded' || e.type === 'MapItemFailed') {
      this.itemsDone++;
      this.firstItemDone ??= now;
    }
    if (e.type === 'MapRunSucceeded' || e.type === 'MapRunFailed') this.mapEnded = now;
  };

  /** ms of the map run itself (items only, without reading the manifest and writing the results). */
  get mapMs(): number {
    return this.mapStarted !== undefined && this.mapEnded !== undefined ? this.mapEnded - this.mapStarted : NaN;
  }
}

// ------------------------------------------------------------------------------------------------ CPU profiles

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * The original source of positions in a bundle, from its source map (index.js.map next to it): for each
 * generated line, the segments' start columns and source indices. Enough to say which npm package (or which
 * file of the repository) a sampled frame of a Lambda bundle came from.
 */
export class SourceMapIndex {
  private readonly lines: { cols: number[]; srcs: number[] }[] = [];
  readonly sources: string[];

  constructor(mapFile: string) {
    const map = JSON.parse(fs.readFileSync(mapFile, 'utf8')) as { sources: string[]; mappings: string };
    this.sources = map.sources;
    let src = 0;
    let line: { cols: number[]; srcs: number[] } = { cols: [], srcs: [] };
    let col = 0;
    let field = 0;
    let value = 0;
    let shift = 0;
    const seg: number[] = [];
    const flush = () => {
      if (seg.length >= 2) {
        col += seg[0];
        src += seg[1];
        line.cols.push(col);
        line.srcs.push(src);
      } else if (seg.length === 1) col += seg[0];
      seg.length = 0;
      field = 0;
    };
    const m = map.mappings;
    for (let i = 0; i < m.length; i++) {
      const ch = m[i];
      if (ch === ';' || ch === ',') {
        flush();
        if (ch === ';') {
          this.lines.push(line);
          line = { cols: [], srcs: [] };
          col = 0;
        }
        continue;
      }
      const d = B64.indexOf(ch);
      value += (d & 31) << shift;
      if (d & 32) {
        shift += 5;
        continue;
      }
      // Only the first two fields (column, source) matter; later ones are decoded and ignored.
      const v = value & 1 ? -(value >>> 1) : value >>> 1;
      if (field < 2) seg.push(v);
      field++;
      value = 0;
      shift = 0;
    }
    flush();
    this.lines.push(line);
  }

  /** The source file of a 0-based line and column of the bundle. */
  source(line: number, column: number): string | undefined {
    const l = this.lines[line];
    if (!l || l.cols.length === 0) return undefined;
    let lo = 0;
    let hi = l.cols.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (l.cols[mid] <= column) lo = mid;
      else hi = mid - 1;
    }
    return this.sources[l.srcs[lo]];
  }
}

/** `node_modules/@aws-sdk/client-s3/...` -> `@aws-sdk/client-s3`; a repo file -> `shared/pipeline.ts`. */
function sourceOwner(source: string, mapDir: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (pkg) return pkg[1];
  return path.relative(REPO, path.resolve(mapDir, source));
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a sampled frame belongs: an npm package, a node: module, a Lambda bundle, a repo file, or V8's own. */
export function frameOwner(url: string, functionName: string, bundles: Record<string, string> = {}, at?: { line: number; column: number }, maps?: Map<string, SourceMapIndex | null>): string {
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  const asset = /asset\.([0-9a-f]{8,})\/index\.js/.exec(url);
  if (asset) {
    const name = bundles[asset[1]] ?? asset[1].slice(0, 8);
    // With the bundle's source map: the package (or repo file) the bundled code came from.
    if (at && maps) {
      const file = url.replace(/^file:\/\//, '');
      if (!maps.has(file)) {
        try {
          maps.set(file, fs.existsSync(`${file}.map`) ? new SourceMapIndex(`${file}.map`) : null);
        } catch {
          maps.set(file, null);
        }
      }
      const src = maps.get(file)?.source(at.line, at.column);
      if (src) return `${name}:${sourceOwner(src, path.dirname(file))}`;
    }
    return `bundle:${name}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  if (url.startsWith('wasm://')) return 'wasm';
  return url.replace(`file://${REPO}/`, '');
}

export interface ThreadSummary {
  readonly file: string;
  /** What ran on the thread, guessed from its busiest code (main, s3rver, a bundle's function). */
  readonly role: string;
  readonly busyMs: number;
  readonly idleMs: number;
  /** Self time by owner (package, bundle, node module), ms, busiest first. */
  readonly byOwner: [string, number][];
  /** Inclusive time of the busiest functions of the repo's code (bundles and sources), ms. */
  readonly hot: [string, number][];
  /** Self time in broad categories (S3 client, TensorFlow.js, module loading, ...), ms, busiest first. */
  readonly categories: [string, number][];
}

const CATEGORIES: [string, RegExp][] = [
  ['AWS SDK v3 (middleware, SigV4, XML)', /@smithy|@aws-sdk|@aws-crypto|fast-xml|strnum|bowser/],
  ['HTTP and sockets', /node:_http|node:net|node:internal\/streams|node:internal\/stream_base|node:internal\/url|node:stream|node:events|writeLatin1String|writev|writeBuffer|writeUtf8String|\(native\) (onStreamRead|setNoDelay|connect)$/],
  ['crypto (hashes, signing keys)', /node:internal\/crypto|node:crypto|\(native\) (digest|update|hmac)/i],
  ['file system calls', /node:fs|\(native\) (open|close|stat|fstat|lstat|read|write|readdir|mkdir|rename|unlink|rm|realpath|readFileUtf8)$/],
  ['TensorFlow.js (wasm backend)', /tfjs|@tensorflow|^wasm$/],
  ['our code (shared/, functions/, local/)', /(^|:)(shared|functions|local)\//],
  ['validation (zod)', /zod/],
  ['garbage collector', /garbage collector/],
  ['worker messages, timers, microtasks', /postMessage|event_target|messageport|node:internal\/worker|runMicrotasks|node:internal\/process|node:timers|node:internal\/timers|node:internal\/async_hooks/],
  ['module loading (cold starts)', /node:internal\/modules|node:internal\/bootstrap|compileFunction|node:internal\/source_map|node:internal\/vm/],
  ['state machine library', /aws-local-stepfunctions|jsonpath|asl-validator|ajv/],
  ['s3rver (koa, xml, lodash)', /s3rver|koa|lodash|xmlbuilder|busboy|mime|statuses|http-errors|on-finished|delegates|accepts|type-is|content-|cookies|depd/],
];

function categorize(byOwner: readonly [string, number][]): [string, number][] {
  const out = new Map<string, number>();
  for (const [owner, ms] of byOwner) {
    const c = CATEGORIES.find(([, re]) => re.test(owner))?.[0] ?? 'other';
    out.set(c, (out.get(c) ?? 0) + ms);
  }
  return [...out].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(v, 0)]);
}

/**
 * Summarise .cpuprofile files (one per thread) within a time window (µs on the profiles' monotonic clock, which
 * is process.hrtime's): busy and idle time, self time by owner, and the hottest functions of our own code.
 */
export function summarizeProfiles(files: string[], window?: { startUs: number; endUs: number }, bundles: Record<string, string> = {}): ThreadSummary[] {
  const out: ThreadSummary[] = [];
  const maps = new Map<string, SourceMapIndex | null>();
  const ownerOf = (cf: ProfileNode['callFrame']) => frameOwner(cf.url, cf.functionName, bundles, { line: cf.lineNumber, column: cf.columnNumber }, maps);
  for (const file of files) {
    const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const owner = new Map<string, number>();
    const hot = new Map<string, number>();
    let busy = 0;
    let idle = 0;
    let t = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      const d = p.timeDeltas[i] ?? 0;
      t += d;
      if (window && (t < window.startUs || t > window.endUs)) continue;
      const leaf = byId.get(p.samples[i]);
      if (!leaf) continue;
      const o = ownerOf(leaf.callFrame);
      if (o === '(idle)') {
        idle += d;
        continue;
      }
      busy += d;
      owner.set(o, (owner.get(o) ?? 0) + d);
      const seen = new Set<string>();
      for (let cur: number | undefined = leaf.id; cur !== undefined; cur = parent.get(cur)) {
        const cf = byId.get(cur)!.callFrame;
        const own = ownerOf(cf);
        // Our own code: the repository's files, bundled (`Trial:shared/train.ts`) or not (`local/runner.ts`).
        if (!/(^|:)(shared|local|functions|bench)\//.test(own)) continue;
        const key = `${cf.functionName || '(anonymous)'} [${own}]`;
        if (seen.has(key)) continue;
        seen.add(key);
        hot.set(key, (hot.get(key) ?? 0) + d);
      }
    }
    if (busy + idle === 0) continue;
    const byOwner = [...owner].sort((a, b) => b[1] - a[1]).map(([k, us]) => [k, round(us / 1e3, 0)] as [string, number]);
    const fnOf = (k: string) => (k.startsWith('bundle:') ? k.slice(7) : Object.values(bundles).find((b) => k.startsWith(`${b}:`)));
    const top = byOwner.find(([k]) => fnOf(k) !== undefined || k === 's3rver' || k === 'aws-local-stepfunctions');
    const role = top?.[0] === 's3rver' ? 's3rver process' : top && fnOf(top[0]) ? `worker ${fnOf(top[0])}` : byOwner.some(([k]) => k === 'aws-local-stepfunctions') ? 'main thread' : 'other thread';
    out.push({
      file: path.basename(file),
      role,
      busyMs: round(busy / 1e3, 0),
      idleMs: round(idle / 1e3, 0),
      byOwner: byOwner.slice(0, 12),
      categories: categorize(byOwner),
      hot: [...hot].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, us]) => [k, round(us / 1e3, 0)] as [string, number]),
    });
  }
  return out.sort((a, b) => b.busyMs - a.busyMs);
}

/** Every .cpuprofile under dir (recursively). */
export function profileFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? profileFiles(path.join(dir, e.name)) : e.name.endsWith('.cpuprofile') ? [path.join(dir, e.name)] : []));
}

/** Microseconds on the monotonic clock the CPU profiles use. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

// ------------------------------------------------------------------------------------------------ what-if: in-memory S3

/** The bench-only in-memory S3 server (bench/memory-s3-server.js); its file name marks its process for CPU accounting. */
const MEMORY_S3_SERVER = path.join(__dirname, 'memory-s3-server.js');
export const MEMORY_S3_MARKER = 'memory-s3-server.js';

/** Starts the bench-only in-memory S3 server with the given buckets. */
export async function startMemoryS3(buckets: string[]): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const child = spawn(process.execPath, [MEMORY_S3_SERVER, ...buckets], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`in-memory S3 server exited (${code})`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
