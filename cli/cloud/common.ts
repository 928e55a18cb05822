/**
 * What the cloud commands share: their AWS flags, the wrapper that makes every failure one line, the flags the
 * printed "next" commands repeat, and the dataset upload that both upload-dataset and start do.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../shared/errors';
import { datasetKey } from '../../shared/store/layout';
import type { ObjectStore } from '../../shared/store/s3';
import { awsRegion, bucketName, s3Endpoint, stackName } from '../args';
import { DEFAULT_STACK_NAME, explainAwsError, type AwsOptions } from '../aws';

export interface CommonFlags {
  region?: string;
  s3Endpoint?: string;
}

export const awsOptions = (f: CommonFlags): AwsOptions => ({
  ...(f.region ? { region: f.region } : {}),
  ...(f.s3Endpoint ? { s3Endpoint: f.s3Endpoint } : {}),
});

export function withAwsOptions(cmd: Command): Command {
  return cmd
    .option('--region <region>', "AWS region (default: AWS_REGION or the profile's region)", awsRegion)
    .option('--s3-endpoint <url>', 'S3 endpoint URL (MinIO, LocalStack, a local S3 server); path-style', s3Endpoint);
}

export const stackOption = (cmd: Command) => cmd.option('--stack <name>', `the deployed stack (default: ${DEFAULT_STACK_NAME})`, stackName);
export const bucketOption = (cmd: Command) => cmd.option('--bucket <bucket>', 'the sweep bucket, instead of reading it from the stack', bucketName);

/** An action whose every failure is one line (AWS errors explained, secrets redacted). */
export function action<A extends unknown[]>(what: string, fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      throw explainAwsError(e, what);
    }
  };
}

/** Lines on stdout (the command's result). */
export const out = (lines: string[]) => process.stdout.write(lines.join('\n') + '\n');
/** A progress note on stderr. */
export const note = (line: string) => process.stderr.write(`${line}\n`);
/** A shell word, quoted when it needs to be. */
export const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** Flags to repeat in the "next" commands so they reach the same stack, region and endpoint. */
export function carriedFlags(f: CommonFlags & { stack?: string; bucket?: string }): string {
  const parts: string[] = [];
  if (f.stack !== undefined && f.stack !== DEFAULT_STACK_NAME) parts.push('--stack', f.stack);
  if (f.bucket !== undefined) parts.push('--bucket', f.bucket);
  if (f.region !== undefined) parts.push('--region', f.region);
  if (f.s3Endpoint !== undefined) parts.push('--s3-endpoint', f.s3Endpoint);
  return parts.length ? ` ${parts.map(quote).join(' ')}` : '';
}

export function kb(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A local file's bytes; an unreadable file is a UsageError naming it. */
export function readLocalFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? (e as Error).message);
    throw new UsageError(`${what}: cannot read ${file}: ${why}`);
  }
}

const contentType = (name: string) => (/\.(jsonl|ndjson)$/i.test(name) ? 'application/x-ndjson' : 'text/csv');

export interface PutDatasetResult {
  readonly uri: string;
  /** Whether anything was written (false: the object already held these bytes). */
  readonly uploaded: boolean;
  /** Whether an object with other bytes was overwritten. */
  readonly replaced: boolean;
}

/**
 * PutObject `bytes` to datasets/<name>, unless the object there already has exactly these bytes (its ETag is the
 * MD5 of a single-part SSE-S3 upload).
 */
export async function putDataset(store: ObjectStore, name: string, bytes: Uint8Array): Promise<PutDatasetResult> {
  const key = datasetKey(name);
  const md5 = createHash('md5').update(bytes).digest('hex');
  const head = await store.head(key);
  if (head && head.etag.replace(/"/g, '') === md5) return { uri: store.uri(key), uploaded: false, replaced: false };
  await store.putBytes(key, bytes, contentType(name));
  return { uri: store.uri(key), uploaded: true, replaced: head !== undefined };
}
