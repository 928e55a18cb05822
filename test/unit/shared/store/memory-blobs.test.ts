import { MemoryBlobs } from '../../../../shared/store/memory-blobs';
import { blobsContract } from '../../../support/blobs-contract';

describe('MemoryBlobs: the BucketBlobs contract (the same tests ObjectStore passes on the local S3 server)', () => {
  const blobs = new MemoryBlobs('regsweep-memory');
  blobsContract(() => blobs);
});

describe('MemoryBlobs', () => {
  it("refuses a key S3 would refuse: empty, or over 1,024 UTF-8 bytes (S3's KeyTooLongError), and stores nothing", async () => {
    const blobs = new MemoryBlobs('b');
    await expect(blobs.putBytes('', new Uint8Array(1))).rejects.toThrow(/memory:\/\/b\/: a key is 1 to 1024 UTF-8 bytes, got 0/);
    await expect(blobs.putBytes('é'.repeat(513), new Uint8Array(1))).rejects.toThrow(/got 1026/);
    await blobs.putBytes('é'.repeat(512), new Uint8Array(1)); // 1,024 bytes: allowed
    expect(await blobs.listKeys('')).toEqual(['é'.repeat(512)]);
  });

  it('names keys memory://<bucket>/<key>; delete removes one object and says whether there was one', async () => {
    const blobs = new MemoryBlobs('bucket-1');
    await blobs.putBytes('a/b', new Uint8Array([1]));
    await blobs.putBytes('a/c', new Uint8Array([2]));
    expect(blobs.uri('a/b')).toBe('memory://bucket-1/a/b');
    expect(blobs.delete('a/b')).toBe(true);
    expect(blobs.delete('a/b')).toBe(false);
    expect(await blobs.getBytes('a/b')).toBeUndefined();
    expect(await blobs.listKeys('a/')).toEqual(['a/c']);
  });
});
