/**
 * A sweep's results as plain files: what `regsweep local --out DIR` writes and what `regsweep report` reads.
 *
 *     DIR/leaderboard.json
 *     DIR/best.json                 (sweeps/<id>/best/best.json in S3: lifted to the top so it sits by the leaderboard)
 *     DIR/best/model.json, DIR/best/weights.bin
 *     DIR/trials/<trialId>.json
 *     DIR/spec.json, DIR/manifest.json
 *
 * Everything else under sweeps/<sweepId>/ keeps its relative path; map-results/ (Step Functions' ResultWriter
 * output) is not copied. `loadSweep` reads the same content from such a directory or from an
 * `s3://bucket/sweeps/<sweepId>/` URI.
 */
import { mapLimit } from '../shared/concurrency';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SpecError, UsageError } from '../shared/errors';
import { assertSweepId, bestKey, leaderboardKey, parseS3Uri, specKey, sweepPrefix, trialsPrefix } from '../shared/layout';
import type { BestRecord } from '../shared/pipeline';
import { asTrialRecord, type SucceededTrial } from '../shared/records';
import type { ObjectStore } from '../shared/s3';
import type { Leaderboard } from '../shared/selection';

export interface SweepData {
  readonly leaderboard: Leaderboard;
  /** The refit's record (absent when the sweep was not refit). */
  readonly best?: BestRecord;
  /** Succeeded trial records, validated; failed, partial or corrupt records are left out. */
  readonly trials: SucceededTrial[];
  /** The spec the sweep ran with, as written (not re-validated). */
  readonly spec?: unknown;
}

/** The file names inside a sweep directory. */
export const SWEEP_FILES = {
  leaderboard: 'leaderboard.json',
  best: 'best.json',
  spec: 'spec.json',
  trials: 'trials',
} as const;

/** Relative path (inside the sweep's prefix) -> relative path in the directory; undefined = not exported. */
function localPath(relative: string): string | undefined {
  if (relative === '' || relative.endsWith('/')) return undefined;
  if (relative === 'map-results' || relative.startsWith('map-results/')) return undefined;
  if (relative === 'best/best.json') return SWEEP_FILES.best;
  return relative;
}

/** Resolve `relative` under `dir`, refusing anything that would land outside it (`..`, absolute keys). */
function inside(dir: string, relative: string, what: string): string {
  const root = path.resolve(dir);
  const target = path.resolve(root, relative);
  if (path.isAbsolute(relative) || relative.split(/[\\/]/).includes('..') || !target.startsWith(root + path.sep)) {
    throw new SpecError(`refusing to write ${what}: ${JSON.stringify(relative)} would land outside ${root}`);
  }
  return target;
}

/**
 * Copy every object under sweeps/<sweepId>/ into `dir` (created when missing), keeping relative paths,
 * except map-results/; best/best.json becomes DIR/best.json. Existing files are overwritten.
 */
export async function exportSweep(store: ObjectStore, sweepId: string, dir: string): Promise<void> {
  const prefix = sweepPrefix(sweepId);
  const keys = await store.listKeys(prefix);
  if (keys.length === 0) throw new SpecError(`sweep ${sweepId} not found: nothing under ${store.uri(prefix)}`);
  fs.mkdirSync(dir, { recursive: true });
  const copies = keys.flatMap((key) => {
    const rel = localPath(key.slice(prefix.length));
    return rel === undefined ? [] : [{ key, file: inside(dir, rel, store.uri(key)) }];
  });
  await mapLimit(copies, 16, async ({ key, file }) => {
    const got = await store.getBytes(key);
    if (!got) return; // deleted between the listing and the read
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, got.body);
  });
}

// ---------------------------------------------------------------------------------------------- loading

/** Where a sweep's files come from: a directory or one sweep's prefix in S3. */
interface SweepSource {
  /** Text of the file at a path relative to the sweep (e.g. `leaderboard.json`), or undefined when absent. */
  read(relative: string): Promise<string | undefined>;
  /** The relative paths of the trial records. */
  listTrials(): Promise<string[]>;
  /** How to name a relative path in a message. */
  name(relative: string): string;
}

function directorySource(dir: string): SweepSource {
  const root = path.resolve(dir);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(root);
  } catch {
    throw new UsageError(`sweep directory not found: ${dir}`);
  }
  if (!stat.isDirectory()) throw new UsageError(`not a sweep directory: ${dir} is a file (give the directory holding leaderboard.json, or an s3://bucket/sweeps/<sweepId>/ URI)`);
  const name = (rel: string) => path.join(dir, rel);
  return {
    name,
    async read(rel) {
      try {
        return await fs.promises.readFile(path.join(root, rel), 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw new UsageError(`cannot read ${name(rel)}: ${(e as Error).message}`);
      }
    },
    async listTrials() {
      const trialsDir = path.join(root, SWEEP_FILES.trials);
      if (!fs.existsSync(trialsDir)) return [];
      return fs
        .readdirSync(trialsDir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => `${SWEEP_FILES.trials}/${f}`);
    },
  };
}

/** `s3://bucket/sweeps/<sweepId>/` (the trailing slash is optional) -> bucket and sweepId. */
export function parseSweepUri(uri: string): { bucket: string; sweepId: string } {
  const m = /^s3:\/\/[^/]+\/sweeps\/([^/]+)\/?$/.exec(uri);
  if (!m) throw new UsageError(`invalid sweep URI ${JSON.stringify(uri)}: expected s3://<bucket>/sweeps/<sweepId>/`);
  const { bucket } = parseS3Uri(uri);
  assertSweepId(m[1]);
  return { bucket, sweepId: m[1] };
}

function s3Source(store: ObjectStore, sweepId: string): SweepSource {
  const prefix = sweepPrefix(sweepId);
  /** Directory-relative names map back to S3 keys (best.json lives under best/ in S3). */
  const key = (rel: string) =>
    rel === SWEEP_FILES.best ? bestKey(sweepId) : rel === SWEEP_FILES.leaderboard ? leaderboardKey(sweepId) : rel === SWEEP_FILES.spec ? specKey(sweepId) : prefix + rel;
  return {
    name: (rel) => store.uri(key(rel)),
    read: (rel) => store.getText(key(rel)),
    async listTrials() {
      const keys = await store.listKeys(trialsPrefix(sweepId));
      return keys.filter((k) => k.endsWith('.json')).map((k) => k.slice(prefix.length));
    },
  };
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new SpecError(`${where}: invalid JSON (${(e as Error).message})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function asLeaderboard(value: unknown, where: string): Leaderboard {
  const ok =
    isObject(value) &&
    typeof value.sweepId === 'string' &&
    Array.isArray(value.configs) &&
    isObject(value.best) &&
    isObject(value.trials) &&
    Array.isArray(value.incomplete);
  if (!ok) throw new SpecError(`${where} is not a regsweep leaderboard (expected sweepId, configs, best, trials, incomplete)`);
  const board = value as unknown as Leaderboard;
  assertSweepId(board.sweepId);
  return board;
}

function asBestRecord(value: unknown, where: string): BestRecord {
  const ok = isObject(value) && isObject(value.config) && isObject(value.test) && typeof value.label === 'string';
  if (!ok) throw new SpecError(`${where} is not a regsweep best record (expected config, label, test)`);
  return value as unknown as BestRecord;
}

async function loadFrom(src: SweepSource): Promise<SweepData> {
  const boardText = await src.read(SWEEP_FILES.leaderboard);
  if (boardText === undefined) throw new UsageError(`no leaderboard: ${src.name(SWEEP_FILES.leaderboard)} not found (was the sweep aggregated?)`);
  const leaderboard = asLeaderboard(parseJson(boardText, src.name(SWEEP_FILES.leaderboard)), src.name(SWEEP_FILES.leaderboard));

  const bestText = await src.read(SWEEP_FILES.best);
  const best = bestText === undefined ? undefined : asBestRecord(parseJson(bestText, src.name(SWEEP_FILES.best)), src.name(SWEEP_FILES.best));

  const specText = await src.read(SWEEP_FILES.spec);
  const spec = specText === undefined ? undefined : parseJson(specText, src.name(SWEEP_FILES.spec));

  // A trial record that is partial or corrupt counts as missing, as it does for aggregate: skip it.
  const records = await mapLimit(await src.listTrials(), 32, async (rel) => {
    const text = await src.read(rel);
    if (text === undefined) return undefined;
    try {
      return asTrialRecord(JSON.parse(text));
    } catch {
      return undefined;
    }
  });
  const trials = records.filter((r): r is SucceededTrial => r?.status === 'succeeded');

  return { leaderboard, ...(best ? { best } : {}), trials, ...(spec !== undefined ? { spec } : {}) };
}

/**
 * Load a sweep's results from a directory written by exportSweep, or from an `s3://bucket/sweeps/<sweepId>/`
 * URI (through ObjectStore; `s3Endpoint` for a local server). Errors name the path.
 */
export async function loadSweep(source: string, opts: { s3Endpoint?: string } = {}): Promise<SweepData> {
  if (source.startsWith('s3://')) {
    const { bucket, sweepId } = parseSweepUri(source);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createS3Client, ObjectStore } = require('../shared/s3') as typeof import('../shared/s3');
    const client = createS3Client(opts.s3Endpoint ? { endpoint: opts.s3Endpoint } : {});
    try {
      return await loadFrom(s3Source(new ObjectStore(client, bucket), sweepId));
    } finally {
      client.destroy();
    }
  }
  return loadFrom(directorySource(source));
}
