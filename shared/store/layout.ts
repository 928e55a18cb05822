/**
 * The S3 key layout (one bucket, prefixes). Every key is built only from validated ids, so no builder can
 * return a key outside `sweeps/<sweepId>/` or `datasets/`. Keys are deterministic: a retry overwrites.
 *
 *     datasets/<name>.csv|.jsonl|.ndjson
 *     sweeps/<sweepId>/spec.json
 *     sweeps/<sweepId>/manifest.json
 *     sweeps/<sweepId>/grid.json
 *     sweeps/<sweepId>/trials/<trialId>.json
 *     sweeps/<sweepId>/leaderboard.json
 *     sweeps/<sweepId>/best/{best.json,model.json,weights.bin}
 *     sweeps/<sweepId>/map-results   (Distributed Map ResultWriter prefix)
 */
import { randomBytes } from 'node:crypto';
import { SpecError, UnsafeIdError } from '../errors';
import { SLUG_RE, type SweepSpec } from '../search/spec';

/** `t-` + 16 lowercase hex chars (see grid.ts trialId). */
export const TRIAL_ID_RE = /^t-[0-9a-f]{16}$/;
/** A plain file name with a dataset extension; `..` is rejected separately. */
export const DATASET_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}\.(csv|jsonl|ndjson)$/;

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

export function assertDatasetName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !DATASET_NAME_RE.test(name) || name.includes('..')) {
    throw new UnsafeIdError(
      `unsafe dataset name ${show(name)}: must be a file name of letters, digits, '.', '_' and '-' ` + `(no '/' or '..') ending in .csv, .jsonl or .ndjson`,
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

export function leaderboardKey(sweepId: string): string {
  return `${sweepPrefix(sweepId)}leaderboard.json`;
}

export function trialsPrefix(sweepId: string): string {
  return `${sweepPrefix(sweepId)}trials/`;
}

export function trialKey(sweepId: string, trialId: string): string {
  const prefix = trialsPrefix(sweepId);
  assertTrialId(trialId);
  return `${prefix}${trialId}.json`;
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
