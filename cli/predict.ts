/**
 * `regsweep predict SWEEP --data FILE`: the chosen model of a finished sweep (a results directory, or an s3://
 * sweep prefix) applied to the raw rows of FILE (api/predict.ts), one prediction per row in FILE's order, as CSV
 * (or JSON Lines with --json) on stdout or in --out. What the columns hold: shared/training/predict.ts. Columns
 * the model does not use (the target among them) are ignored, said on stderr.
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { predict, type Predictions } from '../api/predict';
import { DATASET_FORMATS, listColumns, type DatasetFormat } from '../shared/data/read';
import { UsageError } from '../shared/errors';
import { choice, s3Endpoint } from './args';
import { checkS3EndpointSource } from './sweep-files';

interface PredictFlags {
  data: string;
  out?: string;
  json?: boolean;
  format?: DatasetFormat;
  s3Endpoint?: string;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description("predict the rows of a file with a finished sweep's chosen model (CSV, or JSON Lines with --json)")
    .argument('<sweep>', 'a sweep directory (from regsweep local --out) or s3://<bucket>/sweeps/<sweepId>/')
    .requiredOption('--data <file>', 'rows to predict: CSV with a header row, JSON Lines or a JSON array; columns matched by name')
    .option('--format <format>', 'csv, jsonl or json (default: from the file name or content)', choice('--format', DATASET_FORMATS))
    .option('--out <file>', 'file to write (default: stdout)')
    .option('--json', 'write JSON Lines (one object per row) instead of CSV')
    .option('--s3-endpoint <url>', 'S3 endpoint URL, e.g. http://127.0.0.1:4568 for the local server', s3Endpoint)
    .action(async (source: string, flags: PredictFlags) => {
      checkS3EndpointSource(source, flags.s3Endpoint);
      if (flags.out !== undefined && fs.statSync(flags.out, { throwIfNoEntry: false })?.isDirectory()) {
        throw new UsageError(`--out ${flags.out} is a directory: give the file to write`);
      }
      const predictions = await predict({
        sweep: source,
        data: flags.data,
        format: flags.format,
        s3Endpoint: flags.s3Endpoint,
        onIgnoredColumns: (ignored, { file, target }) => {
          const isTarget = ignored.includes(target) ? ` (${JSON.stringify(target)} is the target)` : '';
          process.stderr.write(`regsweep: note: ${file}: columns the model does not use, ignored: ${listColumns([...ignored])}${isTarget}\n`);
        },
        log: (line) => process.stderr.write(line + '\n'),
      });
      const text = flags.json ? toJsonLines(predictions) : toCsv(predictions);
      if (flags.out === undefined) process.stdout.write(text);
      else {
        fs.writeFileSync(flags.out, text);
        process.stderr.write(`regsweep: ${predictions.rows.length} prediction${predictions.rows.length === 1 ? '' : 's'} written to ${flags.out}\n`);
      }
    });
}

/** A CSV field: quoted when it holds a delimiter, a quote, a line break or edge spaces (quotes doubled). */
function csvField(v: string | number): string {
  const s = String(v);
  return /[",;\t\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(p: Predictions): string {
  return [p.columns, ...p.rows].map((row) => row.map(csvField).join(',') + '\n').join('');
}

export function toJsonLines(p: Predictions): string {
  return p.rows.map((row) => JSON.stringify(Object.fromEntries(p.columns.map((c, j) => [c, row[j]]))) + '\n').join('');
}
