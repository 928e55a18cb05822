/**
 * The CLI's side of a sweep's files: the `--s3-endpoint` check. Reading and exporting a sweep is the API's
 * (api/results.ts), re-exported here for the report modules and the tests that import it from the CLI.
 */
import { UsageError } from '../shared/errors';

export { exportSweep, loadSweep, parseSweepUri, readSweep, withSweep, type SweepData } from '../api/results';

/** `--s3-endpoint` names where an s3:// sweep lives; with a directory it is a mistake (UsageError). */
export function checkS3EndpointSource(source: string, s3Endpoint: string | undefined): void {
  if (s3Endpoint !== undefined && !source.startsWith('s3://')) {
    throw new UsageError(`--s3-endpoint applies to an s3:// source, got the directory ${source}`);
  }
}
