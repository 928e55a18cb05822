/**
 * ResultWriter (s3:putObject, Bucket / Prefix): `<Prefix>/<mapRunId>/manifest.json` plus `SUCCEEDED_0.json` and
 * `FAILED_0.json` (only when non-empty), in Step Functions' format, through the injected `writeJson`.
 * WriterConfig.Transformation NONE (default with a ResultWriter) / COMPACT / FLATTEN also shapes the Map's output
 * when nothing is written to S3.
 */
import { StatesError, UnsupportedMapFeatureError } from './errors';
import { evaluateTemplate } from './evaluate';
import { isObj, type AslState, type ItemRecord, type MapRunEnvironment, type MapRunIds } from './types';

/** Throws UnsupportedMapFeatureError for a ResultWriter other than s3:putObject with OutputType JSON. */
export function checkResultWriter(name: string, writer: unknown): void {
  if (!isObj(writer)) throw new UnsupportedMapFeatureError(name, 'a non-object ResultWriter');
  if (writer.Resource !== undefined && (typeof writer.Resource !== 'string' || !/^arn:[^:]+:states:::s3:putObject$/.test(writer.Resource))) {
    throw new UnsupportedMapFeatureError(name, `ResultWriter resource ${JSON.stringify(writer.Resource)}`);
  }
  const wc = isObj(writer.WriterConfig) ? writer.WriterConfig : {};
  if (wc.OutputType !== undefined && wc.OutputType !== 'JSON') {
    throw new UnsupportedMapFeatureError(name, `ResultWriter OutputType ${JSON.stringify(wc.OutputType)} (only JSON)`);
  }
  if (wc.Transformation !== undefined && (typeof wc.Transformation !== 'string' || !['NONE', 'COMPACT', 'FLATTEN'].includes(wc.Transformation))) {
    throw new UnsupportedMapFeatureError(name, `ResultWriter Transformation ${JSON.stringify(wc.Transformation)}`);
  }
}

/** The Map's ResultWriter (undefined without one) and its Transformation. */
export function resultWriterOf(state: AslState): { writer?: Record<string, unknown>; transformation: string } {
  const writer = isObj(state.ResultWriter) ? state.ResultWriter : undefined;
  const writerConfig = isObj(writer?.WriterConfig) ? writer.WriterConfig : {};
  // checkResultWriter let only NONE, COMPACT and FLATTEN through.
  const transformation = typeof writerConfig.Transformation === 'string' ? writerConfig.Transformation : writer ? 'NONE' : 'COMPACT';
  return { writer, transformation };
}

/** The execution record Step Functions writes for a child execution (Transformation NONE). */
function executionRecord(r: ItemRecord, ids: MapRunIds): Record<string, unknown> {
  const base: Record<string, unknown> = {
    ExecutionArn: `${ids.executionPrefix}:${r.name}`,
    Input: JSON.stringify(r.input ?? null),
    InputDetails: { Included: true },
    Name: r.name,
  };
  if (r.status === 'SUCCEEDED') {
    base.Output = JSON.stringify(r.output ?? null);
    base.OutputDetails = { Included: true };
  } else {
    base.Error = r.error;
    base.Cause = r.cause;
  }
  return {
    ...base,
    RedriveCount: 0,
    StartDate: r.startDate,
    StateMachineArn: ids.childStateMachineArn,
    Status: r.status,
    StopDate: r.stopDate,
  };
}

/** One child's entries in the results, per WriterConfig.Transformation (a failed child: always its record). */
export function formatted(r: ItemRecord, transformation: string, ids: MapRunIds): unknown[] {
  if (r.status === 'FAILED' || transformation === 'NONE') return [executionRecord(r, ids)];
  if (transformation === 'FLATTEN' && Array.isArray(r.output)) return r.output;
  return [r.output];
}

/**
 * ResultWriter to S3: `<Prefix>/<mapRunId>/{SUCCEEDED_0,FAILED_0}.json` (only the non-empty ones) and
 * `manifest.json` listing them. Returns the manifest's location (the Map's ResultWriterDetails).
 */
export async function writeResults(
  writer: Record<string, unknown>,
  done: readonly ItemRecord[],
  transformation: string,
  ids: MapRunIds,
  input: unknown,
  env: MapRunEnvironment,
): Promise<{ Bucket: string; Key: string }> {
  const template = writer.Parameters ?? {};
  const params = (await evaluateTemplate(template, input, env.contextObject)) as Record<string, unknown>;
  const bucket = params.Bucket;
  if (typeof bucket !== 'string') {
    throw new StatesError('States.ResultWriterFailed', `ResultWriter needs a string Bucket, got ${JSON.stringify(params)}`);
  }
  const prefix = typeof params.Prefix === 'string' ? params.Prefix.replace(/\/+$/, '') : '';
  const folder = prefix ? `${prefix}/${ids.mapRunId}` : ids.mapRunId;
  const files: Record<'FAILED' | 'PENDING' | 'SUCCEEDED', { Key: string; Size: number }[]> = {
    FAILED: [],
    PENDING: [],
    SUCCEEDED: [],
  };
  try {
    for (const status of ['SUCCEEDED', 'FAILED'] as const) {
      const rows = done.filter((r) => r.status === status).flatMap((r) => formatted(r, transformation, ids));
      if (rows.length === 0) continue;
      const key = `${folder}/${status}_0.json`;
      await env.writeJson(bucket, key, rows);
      files[status].push({ Key: key, Size: Buffer.byteLength(JSON.stringify(rows)) });
    }
    const manifestKey = `${folder}/manifest.json`;
    await env.writeJson(bucket, manifestKey, { DestinationBucket: bucket, MapRunArn: ids.mapRunArn, ResultFiles: files });
    return { Bucket: bucket, Key: manifestKey };
  } catch (e) {
    throw new StatesError(
      'States.ResultWriterFailed',
      `Writing map run results to s3://${bucket}/${folder}/ failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
