/**
 * A bucket in memory: what the unit tests run the steps on instead of the local S3 server. It keeps S3's
 * behaviour that the steps and the typed store rely on (the shared contract test holds it and ObjectStore to the
 * same answers): an object is written whole and replaced whole, its ETag is the quoted MD5 of its bytes (S3's
 * for a single PUT), a listing is sorted by the keys' UTF-8 bytes, `a` and `a/b` are different objects, a missing
 * key is `undefined`, and the bytes handed in or out are copies, so a caller changing its buffer afterwards
 * changes nothing stored.
 */
import { createHash } from 'node:crypto';
import type { BucketBlobs } from './blobs';

interface StoredBlob {
  readonly body: Uint8Array;
  readonly etag: string;
}

/** S3's longest key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

export class MemoryBlobs implements BucketBlobs {
  private readonly objects = new Map<string, StoredBlob>();

  constructor(readonly bucket = 'memory') {}

  uri(key: string): string {
    return `memory://${this.bucket}/${key}`;
  }

  getBytes(key: string): Promise<{ body: Uint8Array; etag: string } | undefined> {
    const o = this.objects.get(key);
    return Promise.resolve(o && { body: o.body.slice(), etag: o.etag });
  }

  head(key: string): Promise<{ etag: string; size: number } | undefined> {
    const o = this.objects.get(key);
    return Promise.resolve(o && { etag: o.etag, size: o.body.byteLength });
  }

  putBytes(key: string, body: Uint8Array): Promise<void> {
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bytes === 0 || bytes > MAX_KEY_BYTES)
      return Promise.reject(new RangeError(`${this.uri(key)}: a key is 1 to ${MAX_KEY_BYTES} UTF-8 bytes, got ${bytes}`));
    const copy = body.slice();
    this.objects.set(key, { body: copy, etag: `"${createHash('md5').update(copy).digest('hex')}"` });
    return Promise.resolve();
  }

  listKeys(prefix: string): Promise<string[]> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix));
    return Promise.resolve(keys.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))));
  }

  /** Removes the object; true when there was one. */
  delete(key: string): boolean {
    return this.objects.delete(key);
  }
}
