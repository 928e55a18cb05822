/**
 * What storage the steps and the typed store need, and nothing more: bytes by key, with an ETag, a size for the
 * dataset's check before it is read, a listing by prefix, and a way to name a key in a message. `ObjectStore`
 * (s3.ts) implements it over S3, `MemoryBlobs` (memory-blobs.ts) in memory for unit tests, and `DirectoryBlobs`
 * (sweep-store.ts) the plain `Blobs` part over an exported sweep directory.
 */

/** Where objects are kept, by S3 key (layout.ts). */
export interface Blobs {
  /** The object's bytes and ETag, or undefined when it does not exist. */
  getBytes(key: string): Promise<{ body: Uint8Array; etag: string } | undefined>;
  /** Writes the object whole (a reader never sees part of it), replacing any earlier one. */
  putBytes(key: string, body: Uint8Array, contentType?: string): Promise<void>;
  /** Every key under the prefix (paginated as needed), in S3's order (UTF-8 bytes, ascending). */
  listKeys(prefix: string): Promise<string[]>;
  /** How to name a key in a message (an s3:// URI, or a file path). */
  uri(key: string): string;
}

/** A bucket: the blobs a sweep runs on. The steps take one (the dataset and the sweep's objects live there). */
export interface BucketBlobs extends Blobs {
  /** The bucket's name: a spec's dataset must be in it (layout.ts datasetLocation). */
  readonly bucket: string;
  /** The object's ETag and size in bytes without reading it, or undefined when it does not exist. */
  head(key: string): Promise<{ etag: string; size: number } | undefined>;
}
