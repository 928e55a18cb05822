'use strict';
/**
 * The local S3 server's storage (local/s3-server-process.js): buckets as directories, objects as files, and an
 * in-memory sorted index of each bucket's keys, rebuilt at start from the files.
 *
 * Layout: `<dir>/<bucket>/<sha256(key) hex>` holds one object: a one-line JSON header
 * `{"key","etag","contentType","size","lastModified"}` + `\n`, then the object's bytes exactly. A file named by a
 * hash means keys like `a` and `a/b` never clash and any UTF-8 key maps to a safe file name. Writes go to
 * `<bucket>/.tmp-*` and are renamed over the object file, so a killed server never leaves half an object (leftover
 * temp files are removed at start). No fsync: a crash of the machine (not of the server) may lose the last writes.
 * Writes and deletes of one key run one after another, so the index always names what the file holds.
 */
const fs = require('node:fs');
const fsp = require('node:fs/promises');
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

/** Reads an object file's header (sync; at start). Keys are at most 1 KiB, so the header fits in the first 16 KiB. */
function readHeaderSync(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16384);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const newline = buf.subarray(0, n).indexOf(10);
    if (newline < 0) throw new Error('no object header');
    return parseHeader(buf, newline);
  } finally {
    fs.closeSync(fd);
  }
}

class Bucket {
  constructor(name, dir, created) {
    this.name = name;
    this.dir = dir;
    this.created = created;
    /** key -> { etag, contentType, size, lastModified } */
    this.objects = new Map();
    /** The keys, in S3's order. */
    this.keys = [];
    /** key -> the tail of the chain of writes/deletes of that key. */
    this.queues = new Map();
  }

  file(key) {
    return path.join(this.dir, fileNameOf(key));
  }

  setIndex(key, meta) {
    if (!this.objects.has(key)) this.keys.splice(firstAfter(this.keys, key), 0, key);
    this.objects.set(key, meta);
  }

  dropIndex(key) {
    if (!this.objects.delete(key)) return;
    this.keys.splice(firstAfter(this.keys, key, true), 1);
  }

  /** Runs `fn` after every earlier write/delete of `key` has finished. */
  serial(key, fn) {
    const run = (this.queues.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = run.then(
      () => {},
      () => {},
    );
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }

  /** Writes the object whole (temp file + rename) and indexes it. */
  put(key, body, meta) {
    return this.serial(key, async () => {
      const header = Buffer.from(`${JSON.stringify({ key, ...meta })}\n`, 'utf8');
      const tmp = path.join(this.dir, `${TEMP_PREFIX}${crypto.randomBytes(8).toString('hex')}`);
      const fh = await fsp.open(tmp, 'wx');
      try {
        await fh.writev([header, body]);
      } finally {
        await fh.close();
      }
      try {
        await fsp.rename(tmp, this.file(key));
      } catch (e) {
        await fsp.rm(tmp, { force: true });
        throw e;
      }
      this.setIndex(key, meta);
    });
  }

  delete(key) {
    return this.serial(key, async () => {
      await fsp.rm(this.file(key), { force: true });
      this.dropIndex(key);
    });
  }

  /**
   * The object's header and an open file handle positioned after it (the caller closes it), or undefined. The header
   * comes from the file itself, so a read that races a rewrite still sees one consistent object.
   */
  async open(key) {
    if (!this.objects.has(key)) return undefined;
    let fh;
    try {
      fh = await fsp.open(this.file(key), 'r');
    } catch (e) {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      const first = Buffer.allocUnsafe(Math.min(16384 + (this.objects.get(key)?.size ?? 0), 1 << 20));
      const { bytesRead } = await fh.read(first, 0, first.length, 0);
      const newline = first.subarray(0, bytesRead).indexOf(10);
      if (newline < 0) throw new Error(`object file of ${key} has no header`);
      const meta = parseHeader(first, newline);
      if (meta.key !== key) return undefined;
      return { meta, fh, head: first.subarray(meta.headerBytes, bytesRead) };
    } catch (e) {
      await fh.close();
      throw e;
    }
  }
}

/** Every bucket under `dir`, its index rebuilt from the object files; warnings for files it could not read. */
class DiskStore {
  constructor(dir) {
    this.dir = dir;
    /** name -> Bucket */
    this.buckets = new Map();
  }

  /** Loads the buckets (sync: before the server listens). Returns warnings for files it skipped. */
  load() {
    const warnings = [];
    fs.mkdirSync(this.dir, { recursive: true });
    for (const entry of fs.readdirSync(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !BUCKET_NAME.test(entry.name)) continue;
      const bdir = path.join(this.dir, entry.name);
      const bucket = new Bucket(entry.name, bdir, fs.statSync(bdir).mtime);
      let skipped = 0;
      for (const f of fs.readdirSync(bdir)) {
        const file = path.join(bdir, f);
        if (f.startsWith(TEMP_PREFIX)) fs.rmSync(file, { force: true });
        else if (!OBJECT_FILE.test(f)) skipped++;
        else {
          try {
            const { key, etag, contentType, size, lastModified } = readHeaderSync(file);
            if (fileNameOf(key) !== f) throw new Error('file name is not the hash of its key');
            bucket.objects.set(key, { etag, contentType, size, lastModified });
          } catch (e) {
            warnings.push(`skipped ${file}: ${e.message}`);
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
      bucket = new Bucket(name, bdir, new Date());
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

module.exports = { DiskStore, compareKeys, firstAfter, fileNameOf };
