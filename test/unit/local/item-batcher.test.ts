/** ItemBatcher's cutting of items into batches (local/distributed-map/item-batcher.ts), without a state machine. */
import { batchItems, MAX_INPUT_BYTES_PER_BATCH } from '../../../local/distributed-map/item-batcher';

const items = Array.from({ length: 10 }, (_, i) => ({ trialId: `t-${i}`, lambda: 10 ** (i % 4) }));
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe('batchItems', () => {
  it('cuts the items in order into batches of MaxItemsPerBatch, the last one shorter', () => {
    const out = batchItems('M', items, { maxItems: 4, maxBytes: MAX_INPUT_BYTES_PER_BATCH });
    expect(out.map((b) => b.Items.length)).toEqual([4, 4, 2]);
    expect(out.flatMap((b) => b.Items)).toEqual(items);
    expect(out.every((b) => !('BatchInput' in b))).toBe(true);
  });

  it('puts the BatchInput in every batch, and counts it in the bytes', () => {
    const batchInput = { sweepId: 'x'.repeat(40) };
    const limit = bytes({ BatchInput: batchInput, Items: items.slice(0, 3) });
    const out = batchItems('M', items, { maxBytes: limit, batchInput });
    for (const b of out) {
      expect(b.BatchInput).toEqual(batchInput);
      expect(bytes(b)).toBeLessThanOrEqual(limit);
    }
    // maximal: each batch would exceed the limit with the next item
    out.slice(0, -1).forEach((b, k) => expect(bytes({ ...b, Items: [...b.Items, out[k + 1].Items[0]] })).toBeGreaterThan(limit));
    expect(out.flatMap((b) => b.Items)).toEqual(items);
  });

  it('a byte limit exactly at a batch size keeps that batch whole (the limit is inclusive)', () => {
    const limit = bytes({ Items: items.slice(0, 5) });
    const out = batchItems('M', items.slice(0, 5), { maxBytes: limit });
    expect(out).toEqual([{ Items: items.slice(0, 5) }]);
    expect(batchItems('M', items.slice(0, 5), { maxBytes: limit - 1 }).length).toBe(2);
  });

  it('refuses an item that fits in no batch, naming it', () => {
    expect(() => batchItems('RunTrials', [{ big: 'x'.repeat(100) }], { maxBytes: 50 })).toThrow(
      /RunTrials: item 0 \(\d+ bytes\) does not fit in a batch of MaxInputBytesPerBatch 50/,
    );
  });

  it('makes no batch of nothing', () => {
    expect(batchItems('M', [], { maxItems: 3, maxBytes: MAX_INPUT_BYTES_PER_BATCH })).toEqual([]);
  });
});
