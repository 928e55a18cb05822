/**
 * Light helpers about a sweep that the CLI needs without loading TensorFlow.js: its id and where its dataset
 * lives in the bucket.
 */
import { randomBytes } from 'node:crypto';
import { SpecError } from './errors';
import { parseS3Uri } from './layout';
import type { SweepSpec } from './spec';

/** Where a spec's dataset lives in the sweep bucket. */
export function datasetLocation(spec: SweepSpec, bucket: string): { bucket: string; key: string } {
  const source = spec.dataset.source;
  if (!source.startsWith('s3://')) {
    throw new SpecError(`dataset.source must be an s3:// URI here, got ${JSON.stringify(source)} (the CLI uploads local files: regsweep start / regsweep upload-dataset)`);
  }
  const loc = parseS3Uri(source);
  if (loc.bucket !== bucket) {
    throw new SpecError(`dataset.source ${source} is in bucket "${loc.bucket}", but sweeps read datasets from the stack's bucket "${bucket}" (upload with regsweep upload-dataset)`);
  }
  if (!loc.key.startsWith('datasets/')) {
    throw new SpecError(`dataset.source ${source} must be under datasets/ in the bucket (upload with regsweep upload-dataset)`);
  }
  return loc;
}

/** A fresh sweep id: the dataset's base name, the UTC time and a random suffix. */
export function newSweepId(spec: SweepSpec, now = new Date()): string {
  const base = (spec.dataset.source.split('/').pop() ?? 'sweep')
    .replace(/\.[^.]*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 30) || 'sweep';
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15).toLowerCase();
  return `${base}-${stamp}-${randomBytes(3).toString('hex')}`;
}
