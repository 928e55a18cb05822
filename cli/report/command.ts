/**
 * `regsweep report SWEEP`: write the HTML report of a finished sweep (a results directory, or an s3:// sweep
 * prefix) and print its path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../shared/errors';
import { s3Endpoint } from '../args';
import { checkS3EndpointSource, loadSweep, parseSweepUri } from '../sweep-files';
import { writeReport } from './html';

interface ReportFlags {
  out?: string;
  s3Endpoint?: string;
}

/** Where the report goes when --out is not given: beside the files, or ./report-<sweepId>.html for S3. */
export function defaultReportPath(source: string): string {
  if (source.startsWith('s3://')) return `report-${parseSweepUri(source).sweepId}.html`;
  return path.join(source, 'report.html');
}

/** The report file a flag names must not be a directory: refused before anything is read (exit 2). */
export function checkReportFile(file: string, flag: string): void {
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`${flag} ${file} is a directory: give the HTML file to write, e.g. ${path.join(file, 'report.html')}`);
  }
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report (leaderboard, chosen config, charts) for a finished sweep')
    .argument('<sweep>', 'a sweep directory (from regsweep local --out) or s3://<bucket>/sweeps/<sweepId>/')
    .option('--out <file>', 'HTML file to write (default: <dir>/report.html, or ./report-<sweepId>.html for S3)')
    .option('--s3-endpoint <url>', 'S3 endpoint URL, e.g. http://127.0.0.1:4568 for the local server', s3Endpoint)
    .action(async (source: string, flags: ReportFlags) => {
      checkS3EndpointSource(source, flags.s3Endpoint);
      const out = flags.out ?? defaultReportPath(source);
      checkReportFile(out, flags.out !== undefined ? '--out' : 'the report file');
      const data = await loadSweep(source, { s3Endpoint: flags.s3Endpoint });
      writeReport(data, out);
      process.stdout.write(`${out}\n`);
    });
}
