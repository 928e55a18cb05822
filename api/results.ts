/**
 * A sweep's results: what `regsweep local --out DIR` writes and what `regsweep report` reads, from a directory or
 * an `s3://bucket/sweeps/<sweepId>/` URI. The layout and every parse are the sweep store's
 * (shared/store/sweep-store.ts: `DirectoryBlobs` over a directory, `ObjectStore` over S3); this module only picks
 * the source and gathers what the report and the summaries need.
 */
import * as path from 'node:path';
import { UsageError } from '../shared/errors';
import type { BestRecord } from '../shared/study/best';
import { SLUG_RE } from '../shared/search/spec';
import { assertSweepId, leaderboardKey, parseS3Uri } from '../shared/store/layout';
import type { Blobs } from '../shared/store/blobs';
import { DirectoryBlobs, SweepStore } from '../shared/store/sweep-store';
import type { Leaderboard } from '../shared/study/leaderboard';
import type { SucceededTrial } from '../shared/study/records';

/** Everything a finished sweep left that the report and the summaries read. */
export interface SweepData {
  readonly leaderboard: Leaderboard;
  /** The refit's record (absent when the sweep was not refit). */
  readonly best?: BestRecord;
  /** Succeeded trial records, validated; failed, partial or corrupt records are left out. */
  readonly trials: SucceededTrial[];
  /** The spec the sweep ran with, as written (not re-validated). */
  readonly spec?: unknown;
}

/**
 * Copy every object under sweeps/<sweepId>/ into `dir` (created when missing), keeping relative paths,
 * except map-results/; best/best.json becomes DIR/best.json. Existing files are overwritten.
 */
export async function exportSweep(store: Blobs, sweepId: string, dir: string): Promise<void> {
  await new SweepStore(store, sweepId).exportTo(dir);
}

/** `s3://bucket/sweeps/<sweepId>/` (the trailing slash is optional) -> bucket and sweepId. */
export function parseSweepUri(uri: string): { bucket: string; sweepId: string } {
  const m = /^s3:\/\/[^/]+\/sweeps\/([^/]+)\/?$/.exec(uri);
  if (!m) throw new UsageError(`invalid sweep URI ${JSON.stringify(uri)}: expected s3://<bucket>/sweeps/<sweepId>/`);
  const { bucket } = parseS3Uri(uri);
  assertSweepId(m[1]);
  return { bucket, sweepId: m[1] };
}

/** Everything the report and the summaries read of one sweep. */
export async function readSweep(sweep: SweepStore): Promise<SweepData> {
  const leaderboard = await sweep.leaderboard();
  if (!leaderboard) throw new UsageError(`no leaderboard: ${sweep.uri(leaderboardKey(sweep.sweepId))} not found (was the sweep aggregated?)`);
  const best = await sweep.best();
  const spec = await sweep.rawSpec();
  // A trial record that is partial or corrupt counts as missing, as it does for aggregate: left out.
  const trials = (await sweep.trials()).records.filter((r): r is SucceededTrial => r.status === 'succeeded');
  return { leaderboard, ...(best ? { best } : {}), trials, ...(spec !== undefined ? { spec } : {}) };
}

/**
 * Run `use` on the sweep store of a directory written by exportSweep, or of an `s3://bucket/sweeps/<sweepId>/`
 * URI (through ObjectStore; `s3Endpoint` for a local server; the client is closed afterwards). Errors name the path.
 */
export async function withSweep<T>(source: string, opts: { s3Endpoint?: string }, use: (sweep: SweepStore) => Promise<T>): Promise<T> {
  if (source.startsWith('s3://')) {
    const { bucket, sweepId } = parseSweepUri(source);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createS3Client, credentialsFromEnv, ObjectStore } = require('../shared/store/s3') as typeof import('../shared/store/s3');
    const client = createS3Client(opts.s3Endpoint ? { endpoint: opts.s3Endpoint, credentials: credentialsFromEnv(process.env) } : {});
    try {
      return await use(new SweepStore(new ObjectStore(client, bucket), sweepId));
    } finally {
      client.destroy();
    }
  }
  // A directory holds one sweep whatever its name; the store needs an id only to build keys.
  const name = path.basename(path.resolve(source));
  return use(new SweepStore(DirectoryBlobs.open(source), SLUG_RE.test(name) ? name : 'sweep'));
}

/** Load a sweep's results from a directory or an s3:// sweep URI (see withSweep). */
export async function loadSweep(source: string, opts: { s3Endpoint?: string } = {}): Promise<SweepData> {
  return withSweep(source, opts, readSweep);
}
