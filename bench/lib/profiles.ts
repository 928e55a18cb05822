/**
 * CPU profiles (.cpuprofile, one per thread): where the time went, by npm package, Lambda bundle (through its
 * source map), node module or repository file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './cli';
import { round } from './stats';

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
export function frameOwner(
  url: string,
  functionName: string,
  bundles: Record<string, string> = {},
  at?: { line: number; column: number },
  maps?: Map<string, SourceMapIndex | null>,
): string {
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
  /** What ran on the thread, guessed from its busiest code (main, the local S3 server, a bundle's function). */
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

/** The local S3 server's own files (local/s3-server-process.js and the modules it loads). */
const S3_SERVER_FILE = /(^|:)local\/s3-(server-process|disk|xml|auth)\.js$/;

const CATEGORIES: [string, RegExp][] = [
  ['AWS SDK v3 (middleware, SigV4, XML)', /@smithy|@aws-sdk|@aws-crypto|fast-xml|strnum|bowser/],
  [
    'HTTP and sockets',
    /node:_http|node:net|node:internal\/streams|node:internal\/stream_base|node:internal\/url|node:stream|node:events|writeLatin1String|writev|writeBuffer|writeUtf8String|\(native\) (onStreamRead|setNoDelay|connect)$/,
  ],
  ['crypto (hashes, signing keys)', /node:internal\/crypto|node:crypto|\(native\) (digest|update|hmac)/i],
  ['file system calls', /node:fs|\(native\) (open|close|stat|fstat|lstat|read|write|readdir|mkdir|rename|unlink|rm|realpath|readFileUtf8)$/],
  ['TensorFlow.js (wasm backend)', /tfjs|@tensorflow|^wasm$/],
  ['local S3 server (local/s3-*.js)', S3_SERVER_FILE],
  ['our code (shared/, functions/, local/)', /(^|:)(shared|functions|local)\//],
  ['validation (zod)', /zod/],
  ['garbage collector', /garbage collector/],
  [
    'worker messages, timers, microtasks',
    /postMessage|event_target|messageport|node:internal\/worker|runMicrotasks|node:internal\/process|node:timers|node:internal\/timers|node:internal\/async_hooks/,
  ],
  ['module loading (cold starts)', /node:internal\/modules|node:internal\/bootstrap|compileFunction|node:internal\/source_map|node:internal\/vm/],
  ['state machine library', /aws-local-stepfunctions|jsonpath|asl-validator|ajv/],
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
    const top = byOwner.find(([k]) => fnOf(k) !== undefined || S3_SERVER_FILE.test(k) || k === 'aws-local-stepfunctions');
    const role =
      top && S3_SERVER_FILE.test(top[0])
        ? 'local S3 server process'
        : top && fnOf(top[0])
          ? `worker ${fnOf(top[0])}`
          : byOwner.some(([k]) => k === 'aws-local-stepfunctions')
            ? 'main thread'
            : 'other thread';
    out.push({
      file: path.basename(file),
      role,
      busyMs: round(busy / 1e3, 0),
      idleMs: round(idle / 1e3, 0),
      byOwner: byOwner.slice(0, 12),
      categories: categorize(byOwner),
      hot: [...hot]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([k, us]) => [k, round(us / 1e3, 0)] as [string, number]),
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
