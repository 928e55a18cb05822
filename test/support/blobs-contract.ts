/**
 * The contract of a BucketBlobs (shared/store/blobs.ts): what the steps and SweepStore rely on from storage. One
 * set of tests, run on MemoryBlobs (test/unit/shared/store/memory-blobs.test.ts) and on ObjectStore against the
 * local S3 server (test/integration/s3.test.ts), so the in-memory bucket the unit tests run the steps on answers
 * as S3 does.
 *
 *     describe('MemoryBlobs: the BucketBlobs contract', () => blobsContract(() => new MemoryBlobs('b')));
 *
 * `blobs()` is called inside each test; every test writes under a prefix of its own, so one bucket serves all.
 */
import { createHash } from 'node:crypto';
import type { BucketBlobs } from '../../shared/store/blobs';

const md5Etag = (bytes: Uint8Array) => `"${createHash('md5').update(bytes).digest('hex')}"`;
const text = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.from(a).equals(Buffer.from(b));

export function blobsContract(blobs: () => BucketBlobs): void {
  let n = 0;
  /** A prefix no other test of the contract writes under. */
  const fresh = () => `contract-${process.pid}-${++n}/`;

  it('a missing key is undefined for get and head, and lists nothing', async () => {
    const p = fresh();
    expect(await blobs().getBytes(`${p}nope`)).toBeUndefined();
    expect(await blobs().head(`${p}nope`)).toBeUndefined();
    expect(await blobs().listKeys(p)).toEqual([]);
  });

  it('gives back the bytes put, with ETag = quoted MD5; head has the same ETag and the size, an empty object included', async () => {
    const p = fresh();
    const body = new Uint8Array(Array.from({ length: 3000 }, (_, i) => (i * 37) % 256));
    await blobs().putBytes(`${p}bin`, body, 'application/octet-stream');
    await blobs().putBytes(`${p}empty`, new Uint8Array(0));

    const got = await blobs().getBytes(`${p}bin`);
    expect(same(got?.body, body)).toBe(true);
    expect(got?.etag).toBe(md5Etag(body));
    expect(await blobs().head(`${p}bin`)).toEqual({ etag: md5Etag(body), size: 3000 });
    expect((await blobs().getBytes(`${p}empty`))?.body.byteLength).toBe(0);
    expect(await blobs().head(`${p}empty`)).toEqual({ etag: md5Etag(new Uint8Array(0)), size: 0 });
  });

  it('a put replaces the object whole: the ETag follows the content (the dataset cache relies on it)', async () => {
    const p = fresh();
    await blobs().putBytes(`${p}k`, text('a much longer first version'));
    const first = (await blobs().head(`${p}k`))!.etag;
    await blobs().putBytes(`${p}k`, text('second'));
    const got = await blobs().getBytes(`${p}k`);
    expect(Buffer.from(got!.body).toString('utf8')).toBe('second');
    expect(got!.etag).not.toBe(first);
    await blobs().putBytes(`${p}k`, text('a much longer first version'));
    expect((await blobs().head(`${p}k`))!.etag).toBe(first);
  });

  it('keeps its own copy: changing a buffer after put, or the one a get returned, changes nothing stored', async () => {
    const p = fresh();
    const body = text('original');
    await blobs().putBytes(`${p}k`, body);
    body.fill(0);
    const got = (await blobs().getBytes(`${p}k`))!;
    got.body.fill(0);
    expect(Buffer.from((await blobs().getBytes(`${p}k`))!.body).toString('utf8')).toBe('original');
  });

  it('`a` and `a/b` are two objects', async () => {
    const p = fresh();
    await blobs().putBytes(`${p}a`, text('file'));
    await blobs().putBytes(`${p}a/b`, text('under it'));
    expect(Buffer.from((await blobs().getBytes(`${p}a`))!.body).toString('utf8')).toBe('file');
    expect(Buffer.from((await blobs().getBytes(`${p}a/b`))!.body).toString('utf8')).toBe('under it');
    expect(await blobs().listKeys(`${p}a`)).toEqual([`${p}a`, `${p}a/b`]);
  });

  it("lists exactly the keys under the prefix, in S3's order (UTF-8 bytes, not UTF-16 code units)", async () => {
    const p = fresh();
    // UTF-16 puts the emoji (a surrogate pair, 0xD83D...) before the fullwidth z (0xFF5A); UTF-8 puts it after (0xF0 > 0xEF)
    const names = ['b', 'a/b', 'A', 'a', 'é', '~', 'z', '😀', 'ｚ', 'a-b'];
    for (const name of names) await blobs().putBytes(`${p}${name}`, text(name));
    await blobs().putBytes(`${p.slice(0, -1)}-outside`, text('not under the prefix'));

    const listed = await blobs().listKeys(p);

    expect(listed).toEqual(['A', 'a', 'a-b', 'a/b', 'b', 'z', '~', 'é', 'ｚ', '😀'].map((k) => p + k));
    expect(await blobs().listKeys(`${p}a`)).toEqual(['a', 'a-b', 'a/b'].map((k) => p + k));
  });

  it('names a key in messages by its bucket and key', () => {
    const uri = blobs().uri('sweeps/s/spec.json');
    expect(uri).toContain(blobs().bucket);
    expect(uri.endsWith('/sweeps/s/spec.json')).toBe(true);
  });
}
