'use strict';
/**
 * The local S3 server's storage (local/s3-server-process.js): buckets as directories, objects as files, and an
 * in-memory sorted index of each bucket's keys, rebuilt at start from the files.
 *
 * Layout: `<dir>/<bucket>/<sha256(key) hex>` holds one object: a one-line JSON header
 * `{"key","etag","contentType","size","lastModified"}` + `\n`, then the object's bytes exactly. A file named by a
 * hash means keys like `a` and `a/b` never clash and any UTF-8 key maps to a safe file name. Writes go to
 * `<bucket>/.tmp-*`, fsynced, renamed over the object file and the bucket directory fsynced, so neither a killed
 * server nor a crash of the machine leaves half an object under a key (leftover temp files are removed at start).
 *
 * Verified reads: an object file shorter or longer than its header says, or one that cannot be read, is treated
 * as absent (S3 never serves half an object): at start it is left out of the index with a warning, and when a read
 * finds it so, it leaves the index (a 404 NoSuchKey) with a line on stderr. This is decided here, in storage, and
 * not by the readers above, because only storage can tell a damaged object from a bad one: every reader (a resume's
 * record parts, spec.json, the export) then sees what S3 would show after a lost write, an absent key, and handles
 * it as it handles any absent key (a record part absent: its trials run again).
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const OBJECT_FILE = /^[0-9a-f]{64}$/;
const TEMP_PREFIX = '.tmp-';

/**
 * S3's key order: UTF-8 bytes, i.e. code points. JavaScript compares UTF-16 code units, which differs only between
 * a surrogate (U+D800-DFFF, part of a code point above U+FFFF) and U+E000-FFFF; shifting those two ranges fixes it.
 */
function compareKeys(a, b) {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Index of the first key in `keys` (sorted) that sorts after `key` (or at it, with `inclusive`). */
function firstAfter(keys, key, inclusive = false) {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid], key);
    if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const fileNameOf = (key) => crypto.createHash('sha256').update(key, 'utf8').digest('hex');

/** The header of an object file: parsed from the bytes before the first newline. */
function parseHeader(buf, newline) {
  const h = JSON.parse(buf.subarray(0, newline).toString('utf8'));
  if (typeof h.key !== 'string' || typeof h.etag !== 'string' || !Number.isInteger(h.size)) throw new Error('bad object header');
  return { key: h.key, etag: h.etag, contentType: String(h.contentType), size: h.size, lastModified: String(h.lastModified), headerBytes: newline + 1 };
}

/**
 * Reads an object file's header (sync; at start) and checks the file holds exactly the bytes it announces. Keys are
 * at most 1 KiB, so the header fits in the first 16 KiB.
 */
function readHeaderSync(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16384);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const newline = buf.subarray(0, n).indexOf(10);
    if (newline < 0) throw new Error('no object header (the file is truncated or not an object)');
    const header = parseHeader(buf, newline);
    const body = fs.fstatSync(fd).size - header.headerBytes;
    if (body !== header.size) throw new Error(sizeProblem(header.key, body, header.size));
    return header;
  } finally {
    fs.closeSync(fd);
  }
}

const sizeProblem = (key, got, size) =>
  `the object ${JSON.stringify(key)} has ${got} bytes on disk, ${got < size ? 'fewer' : 'more'} than the ${size} its header says ` +
  `(a write cut short by a crash?)`;

/** Thrown by Bucket.read for an object that turned out damaged: it is no longer indexed, and the caller answers 404. */
class DamagedObjectError extends Error {}

/** Flushes a directory's entries (a rename) to disk; a no-op where directories cannot be opened (Windows). */
function fsyncDir(dir) {
  let fd;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    if (e.code !== 'EINVAL' && e.code !== 'EISDIR' && e.code !== 'EPERM') throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/** Object bodies up to this size stay in memory once written or read (GETs then touch no file)... */
const CACHE_OBJECT_BYTES = 256 * 1024;
/** ...as long as all cached bodies together stay under this (past it, reads go to the files). */
const CACHE_TOTAL_BYTES = 128 * 1024 ** 2;
/** Reads of larger ranges are streamed from the file instead of read whole. */
const STREAM_ABOVE_BYTES = 1024 ** 2;

let tempCounter = 0;

class Bucket {
  constructor(name, dir, created, cache) {
    this.name = name;
    this.dir = dir;
    this.created = created;
    /** key -> { etag, contentType, size, lastModified, headerBytes, body? } */
    this.objects = new Map();
    /** The keys, in S3's order. */
    this.keys = [];
    /** { bytes }: the bodies cached in memory, shared by the buckets of a store. */
    this.cache = cache;
  }

  file(key) {
    return path.join(this.dir, fileNameOf(key));
  }

  uncache(meta) {
    if (meta?.body) this.cache.bytes -= meta.body.length;
  }

  cacheBody(meta, body) {
    if (body.length > CACHE_OBJECT_BYTES || this.cache.bytes + body.length > CACHE_TOTAL_BYTES) return;
    meta.body = body;
    this.cache.bytes += body.length;
  }

  /**
   * Writes the object whole (temp file, fsync, rename, fsync of the directory) and indexes it. Synchronous, like
   * delete and read: files are small, a sync call costs less than a trip through libuv's thread pool, and no read
   * ever sees the index and the file disagree. A large object blocks the server while it is written; the answer to
   * the PUT goes out only once the object is on disk.
   */
  put(key, body, meta) {
    const header = Buffer.from(`${JSON.stringify({ key, ...meta })}\n`, 'utf8');
    const tmp = path.join(this.dir, `${TEMP_PREFIX}${process.pid}-${++tempCounter}`);
    try {
      const fd = fs.openSync(tmp, 'wx');
      try {
        fs.writeFileSync(fd, header);
        fs.writeFileSync(fd, body);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.file(key));
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    fsyncDir(this.dir);
    const old = this.objects.get(key);
    if (old) this.uncache(old);
    else this.keys.splice(firstAfter(this.keys, key), 0, key);
    const entry = { ...meta, headerBytes: header.length };
    this.cacheBody(entry, Buffer.from(body)); // a copy: `body` may be a slice of a larger socket buffer
    this.objects.set(key, entry);
  }

  delete(key) {
    fs.rmSync(this.file(key), { force: true });
    this.forget(key);
  }

  /** Drops a key from the index (its file stays until a PUT or DELETE of the key replaces it). */
  forget(key) {
    const old = this.objects.get(key);
    if (!old) return;
    this.uncache(old);
    this.objects.delete(key);
    this.keys.splice(firstAfter(this.keys, key, true), 1);
  }

  /**
   * Bytes start..end (inclusive) of an indexed object: a Buffer, or a stream over the current file for large ranges.
   * A file that is shorter or longer than its header says, or cannot be read, is dropped from the index (the reason
   * on stderr) and a DamagedObjectError thrown: the object is absent from then on.
   */
  read(key, start, end) {
    const meta = this.objects.get(key);
    if (meta.body) return meta.body.subarray(start, end + 1);
    const length = end - start + 1;
    let fd;
    try {
      fd = fs.openSync(this.file(key), 'r');
      const onDisk = fs.fstatSync(fd).size - meta.headerBytes;
      if (onDisk !== meta.size) throw new Error(sizeProblem(key, onDisk, meta.size));
      if (length > STREAM_ABOVE_BYTES) {
        const stream = fs.createReadStream('', { fd, start: meta.headerBytes + start, end: meta.headerBytes + end });
        fd = undefined; // the stream closes it
        return stream;
      }
      const buf = Buffer.allocUnsafe(length);
      for (let off = 0; off < length;) {
        const n = fs.readSync(fd, buf, off, length - off, meta.headerBytes + start + off);
        if (n === 0) throw new Error(sizeProblem(key, off, length));
        off += n;
      }
      if (length === meta.size) this.cacheBody(meta, buf);
      return buf;
    } catch (e) {
      this.forget(key);
      process.stderr.write(`s3-server-process: ${this.name}/${key} treated as absent: ${e.code ?? e.message}\n`);
      throw new DamagedObjectError(e.message);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
}

/** Every bucket under `dir`, its index rebuilt from the object files; warnings for files it could not read. */
class DiskStore {
  constructor(dir) {
    this.dir = dir;
    /** name -> Bucket */
    this.buckets = new Map();
    this.cache = { bytes: 0 };
  }

  /** Loads the buckets (sync: before the server listens). Returns warnings for files it skipped. */
  load() {
    const warnings = [];
    fs.mkdirSync(this.dir, { recursive: true });
    for (const entry of fs.readdirSync(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !BUCKET_NAME.test(entry.name)) continue;
      const bdir = path.join(this.dir, entry.name);
      const bucket = new Bucket(entry.name, bdir, fs.statSync(bdir).mtime, this.cache);
      let skipped = 0;
      for (const f of fs.readdirSync(bdir)) {
        const file = path.join(bdir, f);
        if (f.startsWith(TEMP_PREFIX)) fs.rmSync(file, { force: true });
        else if (!OBJECT_FILE.test(f)) skipped++;
        else {
          try {
            const { key, ...meta } = readHeaderSync(file);
            if (fileNameOf(key) !== f) throw new Error('file name is not the hash of its key');
            bucket.objects.set(key, meta);
          } catch (e) {
            warnings.push(`${entry.name}/${f} treated as absent: ${e.code ?? e.message}`);
          }
        }
      }
      if (skipped) warnings.push(`ignored ${skipped} entries in ${bdir} that are not objects of this server (another server's layout?)`);
      bucket.keys = [...bucket.objects.keys()].sort(compareKeys);
      this.buckets.set(entry.name, bucket);
    }
    return warnings;
  }

  get(name) {
    return this.buckets.get(name);
  }

  /** Creates the bucket (an existing one is kept); undefined when the name is not a valid bucket name. */
  create(name) {
    if (!BUCKET_NAME.test(name)) return undefined;
    let bucket = this.buckets.get(name);
    if (!bucket) {
      const bdir = path.join(this.dir, name);
      fs.mkdirSync(bdir, { recursive: true });
      bucket = new Bucket(name, bdir, new Date(), this.cache);
      this.buckets.set(name, bucket);
    }
    return bucket;
  }

  /** Removes an empty bucket; false when it holds objects. */
  remove(name) {
    const bucket = this.buckets.get(name);
    if (!bucket) return true;
    if (bucket.keys.length > 0) return false;
    this.buckets.delete(name);
    fs.rmSync(bucket.dir, { recursive: true, force: true });
    return true;
  }
}

module.exports = { DiskStore, DamagedObjectError, compareKeys, firstAfter, fileNameOf };
