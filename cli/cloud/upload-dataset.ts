/**
 * `regsweep upload-dataset FILE`: validate a CSV/JSONL file locally, then PutObject it to datasets/<name> in the
 * stack's bucket (or --bucket) and print its s3:// URI.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { inspectDataset } from '../../shared/data/inspect';
import { parseDataset, usedColumns } from '../../shared/data/parse';
import { UsageError } from '../../shared/errors';
import type { Task } from '../../shared/search/spec';
import { assertDatasetName } from '../../shared/store/layout';
import { choice } from '../args';
import { openStore, resolveBucket, stackOrBucket, type AwsOptions } from '../aws';
import {
  action,
  awsOptions,
  bucketOption,
  kb,
  note,
  putDataset,
  readLocalFile,
  stackOption,
  withAwsOptions,
  type CommonFlags,
  type PutDatasetResult,
} from './common';

export interface UploadDatasetOptions {
  readonly file: string;
  /** The object's name under datasets/. @default the file's base name */
  readonly name?: string;
  /** Check the values as a dataset with this target column (else the file's structure alone). */
  readonly target?: string;
  /** With `target`. @default regression */
  readonly task?: Task;
  readonly stack?: string;
  /** The sweep bucket, instead of the stack's output. */
  readonly bucket?: string;
  readonly aws: AwsOptions;
  /** Progress notes. */
  readonly log: (line: string) => void;
}

export interface UploadDatasetResult extends PutDatasetResult {
  /** Bytes of the file. */
  readonly size: number;
}

/**
 * The file must parse as a regsweep dataset: with a target, exactly as a sweep will parse it (numbers, missing
 * values, class labels); without one, its structure (shared/data/inspect.ts). Errors name the file, row and
 * column. Returns a one-line description.
 */
export function checkDatasetFile(file: string, bytes: Uint8Array, target: string | undefined, task: Task): string {
  if (target !== undefined) {
    const ds = parseDataset(bytes, { name: file, target, task });
    const classes = ds.classes ? `, ${ds.classes} classes` : '';
    return `${file}: ${ds.y.length} rows, ${usedColumns(ds).length} features, target ${target} (${task}${classes})`;
  }
  const shape = inspectDataset(bytes, { name: file });
  return `${file}: ${shape.rows} rows, ${shape.columns.length} columns: valid ${shape.format.toUpperCase()} (pass --target COLUMN to also check the values)`;
}

/** Check the file (before any AWS call), then upload it unless the bucket already holds these bytes. */
export async function uploadDataset(o: UploadDatasetOptions): Promise<UploadDatasetResult> {
  const name = o.name ?? path.basename(o.file);
  try {
    assertDatasetName(name);
  } catch (e) {
    throw new UsageError(`${o.name !== undefined ? '--name' : `the file name (use --name to choose the object name)`}: ${(e as Error).message}`);
  }
  if (o.task !== undefined && o.target === undefined) throw new UsageError('--task needs --target');
  stackOrBucket(o);
  const bytes = readLocalFile(o.file, 'upload-dataset');
  o.log(checkDatasetFile(o.file, bytes, o.target, o.task ?? 'regression'));

  const bucket = await resolveBucket(o.aws, o);
  const store = openStore(o.aws, bucket);
  try {
    return { ...(await putDataset(store, name, bytes)), size: bytes.byteLength };
  } finally {
    store.client.destroy();
  }
}

interface UploadFlags extends CommonFlags {
  name?: string;
  stack?: string;
  bucket?: string;
  target?: string;
  task?: Task;
}

export function registerUploadDataset(program: Command): void {
  const cmd = program
    .command('upload-dataset')
    .description("validate a CSV/JSONL dataset locally, then upload it to datasets/<name> in the stack's bucket; prints its s3:// URI")
    .argument('<file>', 'dataset file (.csv with a header row, or .jsonl / .ndjson)')
    .option('--name <name>', 'object name under datasets/ (default: the file name), ending in .csv, .jsonl or .ndjson')
    .option('--target <column>', 'also check the values as a dataset with this target column')
    .option('--task <task>', 'regression or classification (with --target; default regression)', choice('--task', ['regression', 'classification'] as const));
  stackOption(cmd);
  bucketOption(cmd);
  withAwsOptions(cmd).action(
    action('upload-dataset', async (file: string, flags: UploadFlags) => {
      const r = await uploadDataset({ ...flags, file, aws: awsOptions(flags), log: note });
      note(r.uploaded ? `${r.replaced ? 'replaced' : 'uploaded'} ${r.uri} (${kb(r.size)})` : `${r.uri} already holds these bytes: nothing to upload`);
      process.stdout.write(`${r.uri}\n`);
    }),
  );
}
