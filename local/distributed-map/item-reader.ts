/**
 * ItemReader: the Map's items from an s3:getObject JSON document (optional ReaderConfig.ItemsPointer and
 * MaxItems(Path)) read through the injected `readJson`; without ItemReader, ItemsPath or the input itself.
 */
import { StatesError, UnsupportedMapFeatureError } from './errors';
import { evaluatePath, evaluateTemplate, fieldOrPath } from './evaluate';
import { isObj, type AslState, type MapRunEnvironment } from './types';

/** Throws UnsupportedMapFeatureError for an ItemReader other than s3:getObject with InputType JSON. */
export function checkItemReader(name: string, reader: unknown): void {
  if (!isObj(reader) || typeof reader.Resource !== 'string' || !/^arn:[^:]+:states:::s3:getObject$/.test(reader.Resource)) {
    throw new UnsupportedMapFeatureError(name, `ItemReader resource ${JSON.stringify(isObj(reader) ? reader.Resource : reader)}`);
  }
  const cfg = isObj(reader.ReaderConfig) ? reader.ReaderConfig : {};
  if (cfg.InputType !== undefined && cfg.InputType !== 'JSON') {
    throw new UnsupportedMapFeatureError(name, `ItemReader InputType ${JSON.stringify(cfg.InputType)} (only JSON)`);
  }
  if (reader.Arguments !== undefined) throw new UnsupportedMapFeatureError(name, 'ItemReader Arguments (JSONata)');
}

function jsonPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '/') return doc;
  let cur = doc;
  for (const raw of pointer.replace(/^\//, '').split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(token)) cur = cur[Number(token)];
    else if (isObj(cur) && Object.prototype.hasOwnProperty.call(cur, token)) cur = cur[token];
    else return undefined;
  }
  return cur;
}

/** The items of a map run, given the Map's effective input. */
export async function readItems(name: string, state: AslState, input: unknown, env: MapRunEnvironment): Promise<unknown[]> {
  const ctx = env.contextObject;
  const reader = state.ItemReader;
  if (!isObj(reader)) {
    const items = typeof state.ItemsPath === 'string' ? await evaluatePath(state.ItemsPath, input, ctx) : input;
    if (!Array.isArray(items)) {
      throw new StatesError('States.Runtime', `Map state ${name}: the input (or ItemsPath) is not an array`, false);
    }
    return items as unknown[];
  }
  const params = (await evaluateTemplate(reader.Parameters ?? {}, input, ctx)) as Record<string, unknown>;
  const { Bucket: bucket, Key: key } = params;
  if (typeof bucket !== 'string' || typeof key !== 'string') {
    throw new StatesError('States.ItemReaderFailed', `ItemReader needs string Bucket and Key, got ${JSON.stringify(params)}`);
  }
  const cfg = isObj(reader.ReaderConfig) ? reader.ReaderConfig : {};
  let doc: unknown;
  try {
    doc = await env.readJson(bucket, key);
  } catch (e) {
    throw new StatesError('States.ItemReaderFailed', `Reading items from s3://${bucket}/${key} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (doc === undefined) throw new StatesError('States.ItemReaderFailed', `The specified key does not exist: s3://${bucket}/${key}`);
  const found = typeof cfg.ItemsPointer === 'string' ? jsonPointer(doc, cfg.ItemsPointer) : doc;
  if (!Array.isArray(found)) {
    throw new StatesError(
      'States.ItemReaderFailed',
      `s3://${bucket}/${key}${typeof cfg.ItemsPointer === 'string' ? ` at ${cfg.ItemsPointer}` : ''} is not a JSON array`,
    );
  }
  const items = found as unknown[];
  const maxItems = await fieldOrPath(cfg, 'MaxItems', input, ctx);
  if (maxItems !== undefined) {
    if (!Number.isInteger(maxItems) || (maxItems as number) < 0) {
      throw new StatesError('States.Runtime', `ItemReader MaxItems must be a non-negative integer, got ${JSON.stringify(maxItems)}`, false);
    }
    if ((maxItems as number) > 0) return items.slice(0, maxItems as number);
  }
  return items;
}
