/**
 * ItemBatcher: the map run's items (after ItemSelector) grouped, in order, into batches; each child execution gets
 * `{ "BatchInput": <BatchInput evaluated against the Map's input>, "Items": [...] }` (no BatchInput key without
 * the field). A batch closes at MaxItemsPerBatch(Path) items, or before its input JSON would exceed
 * MaxInputBytesPerBatch(Path) bytes; Step Functions caps a batch at 256 KiB, and so does the emulation when no
 * byte limit is set. A single item too large for a batch fails the map run with States.Runtime (the emulation's
 * choice; Step Functions' own error for it is not documented).
 */
import { StatesError, UnsupportedMapFeatureError } from './errors';
import { evaluateTemplate, numberField } from './evaluate';
import { isObj, type AslState } from './types';

/** Step Functions' largest batch: 256 KiB of a child execution's input. */
export const MAX_INPUT_BYTES_PER_BATCH = 262_144;

export interface Batching {
  readonly maxItems?: number;
  readonly maxBytes: number;
  /** The evaluated BatchInput, undefined without the field. */
  readonly batchInput?: unknown;
}

/** Throws UnsupportedMapFeatureError for an ItemBatcher this emulation does not run (not an object, JSONata). */
export function checkItemBatcher(name: string, batcher: unknown): void {
  if (!isObj(batcher)) throw new UnsupportedMapFeatureError(name, 'a non-object ItemBatcher');
  if (batcher.Arguments !== undefined) throw new UnsupportedMapFeatureError(name, 'ItemBatcher Arguments (JSONata)');
}

/**
 * The Map's batching, or undefined without an ItemBatcher; States.Runtime for a limit that is not a positive
 * integer (bytes at most 256 KiB) or when neither limit is set.
 */
export async function itemBatching(name: string, state: AslState, input: unknown, ctx: Record<string, unknown>): Promise<Batching | undefined> {
  const batcher = state.ItemBatcher;
  if (!isObj(batcher)) return undefined;
  const fields = batcher as AslState;
  const positive = (n: number) => Number.isInteger(n) && n >= 1;
  const maxItems = await numberField(name, fields, 'MaxItemsPerBatch', input, ctx, positive);
  const maxBytes = await numberField(name, fields, 'MaxInputBytesPerBatch', input, ctx, (n) => positive(n) && n <= MAX_INPUT_BYTES_PER_BATCH);
  if (maxItems === undefined && maxBytes === undefined) {
    throw new StatesError('States.Runtime', `Map state ${name}: ItemBatcher needs MaxItemsPerBatch(Path) or MaxInputBytesPerBatch(Path)`, false);
  }
  const batchInput = batcher.BatchInput === undefined ? undefined : await evaluateTemplate(batcher.BatchInput, input, ctx);
  return { maxItems, maxBytes: maxBytes ?? MAX_INPUT_BYTES_PER_BATCH, batchInput };
}

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

/** The items cut, in order, into the children's inputs `{ BatchInput?, Items }` (see the module comment). */
export function batchItems(name: string, items: readonly unknown[], batching: Batching): { BatchInput?: unknown; Items: unknown[] }[] {
  const wrap = (batch: unknown[]) => (batching.batchInput === undefined ? { Items: batch } : { BatchInput: batching.batchInput, Items: batch });
  const empty = bytes(wrap([]));
  const out: ReturnType<typeof wrap>[] = [];
  let current: unknown[] = [];
  let size = empty;
  for (const [index, item] of items.entries()) {
    const itemBytes = bytes(item);
    const grown = size + itemBytes + (current.length > 0 ? 1 : 0); // the comma between items
    const full = batching.maxItems !== undefined && current.length >= batching.maxItems;
    if (current.length > 0 && (full || grown > batching.maxBytes)) {
      out.push(wrap(current));
      current = [];
      size = empty;
    }
    size += itemBytes + (current.length > 0 ? 1 : 0);
    if (size > batching.maxBytes) {
      throw new StatesError(
        'States.Runtime',
        `Map state ${name}: item ${index} (${itemBytes} bytes) does not fit in a batch of MaxInputBytesPerBatch ${batching.maxBytes}`,
        false,
      );
    }
    current.push(item);
  }
  if (current.length > 0) out.push(wrap(current));
  return out;
}
