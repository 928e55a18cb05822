/**
 * The S3 key layout (one bucket, prefixes). Every key is built only from validated ids, so no builder can
 * return a key outside `sweeps/<sweepId>/` or `datasets/`. Keys are deterministic, so a retry overwrites, except
 * the trial record parts, which are never overwritten (below).
 *
 *     datasets/<name>.csv|.jsonl|.ndjson|.json
 *     sweeps/<sweepId>/spec.json
 *     sweeps/<sweepId>/manifest.json
 *     sweeps/<sweepId>/grid.json
 *     sweeps/<sweepId>/dataset.json
 *     sweeps/<sweepId>/trials/<batchKey>/<part>.json   a part of a batch's records: { "records": [TrialRecord, ...] }
 *     sweeps/<sweepId>/trials/<trialId>.json           one record (sweeps written before parts; still read)
 *     sweeps/<sweepId>/leaderboard.json
 *     sweeps/<sweepId>/best/{best.json,model.json,weights.bin}
 *     sweeps/<sweepId>/map-results   (Distributed Map ResultWriter prefix)
 *
 * batchKey = `<first trialId of the batch>+<trials in the batch>`: the same batch of the same manifest gets the
 * same key on every run, so a retried or resumed batch finds its earlier parts with one LIST. A part's name is
 * `<Date.now() base 36, 9 digits>-<6 random hex>.n<records>.json`: unique per write, so a retry never overwrites
 * an earlier part (a record is never lost to a later write), sorting by write time, and carrying its record count
 * so progress can be counted from a listing.
 */
import { randomBytes } from 'node:crypto';
import { SpecError, UnsafeIdError } from '../errors';
import { SLUG_RE, type SweepSpec } from '../search/spec';

/** `t-` + 16 lowercase hex chars (see grid.ts trialId). */
export const TRIAL_ID_RE = /^t-[0-9a-f]{16}$/;
/** A batch of trials: its first trialId and its number of trials (at most MAX_BATCH_SIZE). */
export const BATCH_KEY_RE = /^t-[0-9a-f]{16}\+[1-9][0-9]{0,3}$/;
/** A part's file name: write time (ms, base 36), random suffix, record count. */
export const PART_NAME_RE = /^[0-9a-z]{9}-[0-9a-f]{6}\.n([1-9][0-9]{0,3})\.json$/;
/** A plain file name with a dataset extension; `..` is rejected separately. */
export const DATASET_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}\.(csv|jsonl|ndjson|json)$/;

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}...` : v);
  return v === undefined ? 'undefined' : `${typeof v} ${JSON.stringify(v)}`;
}

export function assertSweepId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !SLUG_RE.test(id)) {
    throw new UnsafeIdError(`unsafe sweepId ${show(id)}: must be a slug of a-z, 0-9 and '-' (max 63 chars)`);
  }
}

export function assertTrialId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !TRIAL_ID_RE.test(id)) {
    throw new UnsafeIdError(`unsafe trialId ${show(id)}: must be 't-' followed by 16 hex chars (0-9, a-f)`);
  }
}

export function assertBatchKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || !BATCH_KEY_RE.test(key)) {
    throw new UnsafeIdError(`unsafe batch key ${show(key)}: must be a trialId, '+' and the batch's trial count`);
  }
}

export function assertDatasetName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !DATASET_NAME_RE.test(name) || name.includes('..')) {
    throw new UnsafeIdError(
      `unsafe dataset name ${show(name)}: must be a file name of letters, digits, '.', '_' and '-' ` +
        `(no '/' or '..') ending in .csv, .jsonl, .ndjson or .json`,
    );
  }
}

export function datasetKey(name: string): string {
  assertDatasetName(name);
  return `datasets/${name}`;
}

export function sweepPrefix(sweepId: string): string {
  assertSweepId(sweepId);
  return `sweeps/${sweepId}/`;
}

export function specKey(sweepId: string): string {
  return `${sweepPrefix(sweepId)}spec.json`;
}

export function manifestKey(sweepId: string): string {
  return `${sweepPrefix(sweepId)}manifest.json`;
}

/** The grid the manifest was expanded from (search/default-grid.ts): lambda paths and dropout rates, defaults resolved. */
export function gridKey(sweepId: string): string {
  return `${sweepPrefix(sweepId)}grid.json`;
}

/** What the sweep made of its dataset: rows, class names, column roles (data/summary.ts). */
export function dataSummaryKey(sweepId: string): string {
  return `${sweepPrefix(sweepId)}dataset.json`;
}

export function leaderboardKey(sweepId: string): string {
  return `${sweepPrefix(sweepId)}leaderboard.json`;
}

export function trialsPrefix(sweepId: string): string {
  return `${sweepPrefix(sweepId)}trials/`;
}

/** The record of one trial as sweeps before record parts stored it (read, never written). */
export function legacyTrialKey(sweepId: string, trialId: string): string {
  const prefix = trialsPrefix(sweepId);
  assertTrialId(trialId);
  return `${prefix}${trialId}.json`;
}

/** The batch key of a batch whose first trial is `firstTrialId` and that holds `trials` trials. */
export function batchKeyOf(firstTrialId: string, trials: number): string {
  assertTrialId(firstTrialId);
  const key = `${firstTrialId}+${trials}`;
  assertBatchKey(key);
  return key;
}

/** Where a batch's record parts are. */
export function batchPrefix(sweepId: string, batchKey: string): string {
  const prefix = trialsPrefix(sweepId);
  assertBatchKey(batchKey);
  return `${prefix}${batchKey}/`;
}

/** A new, unique key for a part of `records` records of a batch. */
export function trialPartKey(sweepId: string, batchKey: string, records: number, now = Date.now()): string {
  if (!Number.isInteger(records) || records < 1) throw new RangeError(`a record part holds at least one record, got ${records}`);
  return `${batchPrefix(sweepId, batchKey)}${now.toString(36).padStart(9, '0')}-${randomBytes(3).toString('hex')}.n${records}.json`;
}

/** What a key under `trials/` holds: a part (with its record count) or one legacy record; undefined for anything else. */
export function trialObjectOf(
  sweepId: string,
  key: string,
): { kind: 'part'; batchKey: string; records: number } | { kind: 'legacy'; trialId: string } | undefined {
  const prefix = trialsPrefix(sweepId);
  if (!key.startsWith(prefix)) return undefined;
  const [first, name, ...rest] = key.slice(prefix.length).split('/');
  if (name === undefined) {
    const trialId = first.replace(/\.json$/, '');
    return first.endsWith('.json') && TRIAL_ID_RE.test(trialId) ? { kind: 'legacy', trialId } : undefined;
  }
  const part = PART_NAME_RE.exec(name);
  return rest.length === 0 && BATCH_KEY_RE.test(first) && part ? { kind: 'part', batchKey: first, records: Number(part[1]) } : undefined;
}

export function bestPrefix(sweepId: string): string {
  return `${sweepPrefix(sweepId)}best/`;
}

export function bestKey(sweepId: string): string {
  return `${bestPrefix(sweepId)}best.json`;
}

/** Prefix for the Distributed Map ResultWriter (no trailing slash: Step Functions appends its own path). */
export function mapResultsPrefix(sweepId: string): string {
  return `${sweepPrefix(sweepId)}map-results`;
}

export interface S3Location {
  bucket: string;
  key: string;
}

/** S3 bucket naming rules (the common subset: 3-63 chars, lowercase, digits, '.', '-'). */
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `s3://bucket/key`. The key must be non-empty; errors name the uri. */
export function parseS3Uri(uri: string): S3Location {
  const m = typeof uri === 'string' ? /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) : null;
  if (!m) throw new UnsafeIdError(`invalid S3 URI ${show(uri)}: expected s3://<bucket>/<key>`);
  const [, bucket, key] = m;
  if (!BUCKET_RE.test(bucket)) throw new UnsafeIdError(`invalid S3 URI ${show(uri)}: bad bucket name ${show(bucket)}`);
  return { bucket, key };
}

export function s3Uri(bucket: string, key: string): string {
  if (!BUCKET_RE.test(bucket)) throw new UnsafeIdError(`invalid bucket name ${show(bucket)}`);
  return `s3://${bucket}/${key}`;
}

/** Where a spec's dataset lives in the sweep bucket. */
export function datasetLocation(spec: SweepSpec, bucket: string): { bucket: string; key: string } {
  const source = spec.dataset.source;
  if (!source.startsWith('s3://')) {
    throw new SpecError(
      `dataset.source must be an s3:// URI here, got ${JSON.stringify(source)} (the CLI uploads local files: regsweep start / regsweep upload-dataset)`,
    );
  }
  const loc = parseS3Uri(source);
  if (loc.bucket !== bucket) {
    throw new SpecError(
      `dataset.source ${source} is in bucket "${loc.bucket}", but sweeps read datasets from the stack's bucket "${bucket}" (upload with regsweep upload-dataset)`,
    );
  }
  if (!loc.key.startsWith('datasets/')) {
    throw new SpecError(`dataset.source ${source} must be under datasets/ in the bucket (upload with regsweep upload-dataset)`);
  }
  return loc;
}

/** A fresh sweep id: the dataset's base name, the UTC time and a random suffix. */
export function newSweepId(spec: SweepSpec, now = new Date()): string {
  const base =
    (spec.dataset.source.split('/').pop() ?? 'sweep')
      .replace(/\.[^.]*$/, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 30) || 'sweep';
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15).toLowerCase();
  return `${base}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * A part of a batch's records is written once this long has passed since the last part was started (or the
 * batch began), when a record is added or, for records waiting behind a trial that runs long, by a timer; and at
 * the end of the batch. A crash (a timeout, the process killed) loses at most the trials completed in that time,
 * which a resume redoes: about a second of work, while records already written (everything a reader or the user
 * has seen) are never lost or overwritten. An exact linear batch (100 trials in well under a second) thus writes
 * one part; a trial that takes a second or more (SGD) gets its own part as soon as it ends.
 */
export const RECORD_FLUSH_MS = 1_000;

/**
 * Record parts a sweep of `trials` trials of `trialSeconds` each writes in batches of `batchSize`: per batch, a
 * part every RECORD_FLUSH_MS (every ceil(flush / trialSeconds) trials) and one for the rest.
 */
export function recordParts(trials: number, batchSize: number, trialSeconds: number): number {
  const perPart = trialSeconds > 0 ? Math.max(1, Math.ceil(RECORD_FLUSH_MS / 1000 / trialSeconds - 1e-9)) : batchSize;
  const full = Math.floor(trials / batchSize);
  const rest = trials - full * batchSize;
  return full * Math.ceil(batchSize / perPart) + Math.ceil(rest / perPart);
}
