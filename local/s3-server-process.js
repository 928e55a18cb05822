'use strict';
/**
 * The local S3-compatible server (started by local/s3server.ts, in its own process): path-style S3 over HTTP/1.1
 * with keep-alive, AWS Signature V4 checked on every request, data in local/s3-disk.js's layout.
 *
 * Operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, PutObject, GetObject (one byte range,
 * If-Match/If-None-Match), HeadObject, DeleteObject, DeleteObjects, ListObjectsV2. Anything else answers S3's
 * 501 NotImplemented, as do presigned URLs and aws-chunked (streaming) uploads, so no client ever gets framing
 * bytes stored as its object. Errors are S3's XML documents with S3's codes and statuses.
 *
 * Usage: node s3-server-process.js --dir <dir> [--port <n>] [--bucket <name>]... [--remove-dir-on-exit]
 *   (--remove-dir-on-exit: the parent made <dir> as a temp dir; remove it even if the parent died)
 * with the one accepted key pair in REGSWEEP_S3_ACCESS_KEY_ID / REGSWEEP_S3_SECRET_ACCESS_KEY (never on the
 * command line, which other users can read). Prints `WARN <text>` for each object file it could not load (treated
 * as absent), then `READY <port>` once listening. Exits on SIGTERM/SIGINT, or
 * when stdin closes (the parent died), so it never outlives the process that started it.
 */
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { DiskStore, DamagedObjectError, compareKeys, firstAfter } = require('./s3-disk');
const xml = require('./s3-xml');
const { authenticate, checkBody } = require('./s3-auth');

const { S3Error, notImplemented } = xml;

const MAX_KEY_BYTES = 1024;
/** Bodies are held in memory while they arrive; S3's own limit for one PUT is 5 GiB. */
const MAX_OBJECT_BYTES = 1024 ** 3;
const MAX_DELETE_BODY_BYTES = 2 * 1024 ** 2;
const OWNER = 'regsweep-local';
const noSuchKey = (key) => new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
/** S3's message for a 500; what went wrong (with the paths of this machine) goes to stderr only. */
const INTERNAL_ERROR = 'We encountered an internal error. Please try again.';
const noSuchBucket = (bucket) => new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });

function parseArgs(argv) {
  const out = { dir: undefined, port: 0, buckets: [], removeDir: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--remove-dir-on-exit') {
      out.removeDir = true;
      continue;
    }
    const v = argv[++i];
    if (a === '--dir') out.dir = v;
    else if (a === '--port') out.port = Number(v);
    else if (a === '--bucket') out.buckets.push(v);
    else throw new Error(`s3-server-process: unknown argument ${a}`);
  }
  if (!out.dir) throw new Error('s3-server-process: --dir is required');
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) throw new Error(`s3-server-process: bad --port ${out.port}`);
  return out;
}

// ------------------------------------------------------------------------------------------------ bodies

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(new S3Error(400, 'EntityTooLarge', `Your proposed upload exceeds the maximum allowed size (${limit} bytes)`));
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        reject(new S3Error(400, 'EntityTooLarge', `Your proposed upload exceeds the maximum allowed size (${limit} bytes)`));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

// ------------------------------------------------------------------------------------------------ operations

function sendXml(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Last-Modified: HTTP date of the stored ISO time. */
const httpDate = (iso) => new Date(iso).toUTCString();

async function putObject(req, res, bucket, key) {
  if (req.headers['x-amz-copy-source']) throw notImplemented('CopyObject');
  const sha = req.headers['x-amz-content-sha256'];
  if (sha.startsWith('STREAMING-') || /aws-chunked/.test(req.headers['content-encoding'] ?? '')) {
    throw notImplemented(`aws-chunked uploads (x-amz-content-sha256: ${sha}); send the body plain`);
  }
  if (req.headers['content-length'] === undefined) throw new S3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
  const body = await readBody(req, MAX_OBJECT_BYTES);
  checkBody(req, body);
  if (req.headers['if-none-match'] === '*' && bucket.objects.has(key)) {
    throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
  }
  const etag = `"${crypto.createHash('md5').update(body).digest('hex')}"`;
  const contentType = req.headers['content-type'] ?? 'application/octet-stream';
  bucket.put(key, body, { etag, contentType, size: body.length, lastModified: new Date().toISOString() });
  res.writeHead(200, { ETag: etag, 'Content-Length': 0 });
  res.end();
}

/** The one byte range of a Range header as [start, end] inclusive; undefined = the whole object; null = unsatisfiable. */
function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // absent, several ranges or not bytes: S3 sends it all
  if (m[1] === '') {
    const n = Number(m[2]);
    return n === 0 || size === 0 ? null : [Math.max(0, size - n), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || end < start ? null : [start, end];
}

function getObject(req, res, bucket, key, head) {
  const meta = bucket.objects.get(key);
  if (!meta) throw noSuchKey(key);
  const ifMatch = req.headers['if-match'];
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifMatch !== undefined && ifMatch !== '*' && !ifMatch.split(',').some((t) => t.trim() === meta.etag)) {
    throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' });
  }
  const headers = { ETag: meta.etag, 'Last-Modified': httpDate(meta.lastModified), 'Content-Type': meta.contentType, 'Accept-Ranges': 'bytes' };
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((t) => t.trim() === meta.etag || t.trim() === '*')) {
    res.writeHead(304, headers);
    return res.end();
  }
  const range = parseRange(req.headers.range, meta.size);
  if (range === null) {
    throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', { RangeRequested: req.headers.range, ActualObjectSize: meta.size });
  }
  const [start, end] = range ?? [0, meta.size - 1];
  const length = end - start + 1;
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${meta.size}`;
  headers['Content-Length'] = length;
  if (head || length === 0) {
    res.writeHead(range ? 206 : 200, headers);
    return res.end();
  }
  let data;
  try {
    data = bucket.read(key, start, end);
  } catch (e) {
    if (e instanceof DamagedObjectError) throw noSuchKey(key); // a damaged object is absent (s3-disk.js)
    throw e;
  }
  res.writeHead(range ? 206 : 200, headers);
  if (Buffer.isBuffer(data)) return res.end(data);
  data.on('error', () => res.destroy());
  data.pipe(res);
}

/** ListObjectsV2 over the bucket's sorted index. The continuation token is the last key or prefix returned. */
function listObjectsV2(res, bucket, query) {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const encodingType = query.get('encoding-type') ?? undefined;
  if (encodingType !== undefined && encodingType !== 'url') throw new S3Error(400, 'InvalidArgument', 'Invalid Encoding Method specified in Request');
  const rawMax = query.get('max-keys');
  const maxKeys = rawMax === null ? 1000 : Number(rawMax);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new S3Error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range');
  const limit = Math.min(maxKeys, 1000);
  const token = query.get('continuation-token') ?? undefined;
  let marker = query.get('start-after') ?? '';
  if (token !== undefined) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (!token || Buffer.from(decoded, 'utf8').toString('base64url') !== token) {
      throw new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect');
    }
    if (compareKeys(decoded, marker) > 0) marker = decoded;
  }
  const rollUp = (key) => {
    if (!delimiter) return undefined;
    const at = key.indexOf(delimiter, prefix.length);
    return at < 0 ? undefined : key.slice(0, at + delimiter.length);
  };
  const contents = [];
  const commonPrefixes = [];
  let lastPrefix = marker.startsWith(prefix) ? rollUp(marker) : undefined;
  let last;
  let isTruncated = false;
  const keys = bucket.keys;
  let i = compareKeys(prefix, marker) > 0 ? firstAfter(keys, prefix, true) : firstAfter(keys, marker);
  for (; i < keys.length; i++) {
    const key = keys[i];
    if (!key.startsWith(prefix)) break;
    const cp = rollUp(key);
    if (cp !== undefined && cp === lastPrefix) continue;
    if (contents.length + commonPrefixes.length === limit) {
      isTruncated = limit > 0;
      break;
    }
    if (cp !== undefined) {
      commonPrefixes.push(cp);
      lastPrefix = cp;
      last = cp;
    } else {
      contents.push({ key, meta: bucket.objects.get(key) });
      last = key;
    }
  }
  const enc = encodingType === 'url' ? (s) => encodeURIComponent(s) : (s) => s;
  const body = xml.listObjectsV2Xml(
    {
      bucket: bucket.name,
      prefix,
      delimiter,
      maxKeys,
      contents,
      commonPrefixes,
      isTruncated,
      continuationToken: token,
      nextContinuationToken: isTruncated ? Buffer.from(last, 'utf8').toString('base64url') : undefined,
      startAfter: query.get('start-after') ?? undefined,
      encodingType,
    },
    enc,
  );
  sendXml(res, 200, body);
}

async function deleteObjects(req, res, bucket) {
  const body = await readBody(req, MAX_DELETE_BODY_BYTES);
  checkBody(req, body);
  if (req.headers['content-md5'] === undefined && !Object.keys(req.headers).some((h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-type')) {
    throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5');
  }
  const parsed = xml.parseDeleteXml(body.toString('utf8'));
  if (!parsed || parsed.keys.length === 0 || parsed.keys.length > 1000) {
    throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  }
  const errors = [];
  const deleted = [];
  for (const key of parsed.keys) {
    try {
      bucket.delete(key);
      deleted.push(key);
    } catch (e) {
      process.stderr.write(`s3-server-process: DeleteObjects ${bucket.name}/${key}: ${e && e.stack}\n`);
      errors.push({ key, code: 'InternalError', message: INTERNAL_ERROR });
    }
  }
  sendXml(res, 200, xml.deleteResultXml(parsed.quiet ? [] : deleted, errors));
}

const KNOWN_BUCKET_GET = new Set(['list-type', 'prefix', 'delimiter', 'max-keys', 'continuation-token', 'start-after', 'encoding-type', 'fetch-owner', 'x-id']);

/** Routes one authenticated request. */
async function route(req, res, store, bucketName, key, query) {
  const m = req.method;
  if (bucketName === '') {
    if (m === 'GET') return sendXml(res, 200, xml.listBucketsXml([...store.buckets.values()], OWNER));
    throw notImplemented(`${m} /`);
  }
  const subresources = [...query.keys()].filter((k) => k !== 'x-id' && (key !== undefined || !KNOWN_BUCKET_GET.has(k)));
  if (key === undefined) {
    if (m === 'PUT' && subresources.length === 0) {
      await readBody(req, MAX_DELETE_BODY_BYTES); // CreateBucketConfiguration: the region is not checked
      if (!store.create(bucketName)) throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', { BucketName: bucketName });
      res.writeHead(200, { Location: `/${bucketName}`, 'Content-Length': 0 });
      return res.end();
    }
    const bucket = store.get(bucketName);
    if (!bucket) throw noSuchBucket(bucketName);
    if (m === 'HEAD' && subresources.length === 0) {
      res.writeHead(200, { 'Content-Length': 0 });
      return res.end();
    }
    if (m === 'DELETE' && subresources.length === 0) {
      if (!store.remove(bucketName)) throw new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', { BucketName: bucketName });
      res.writeHead(204);
      return res.end();
    }
    if (m === 'POST' && subresources.length === 1 && subresources[0] === 'delete') return deleteObjects(req, res, bucket);
    if (m === 'GET' && subresources.length === 0) {
      if (query.get('list-type') !== '2') throw notImplemented('ListObjects (version 1; use ListObjectsV2)');
      return listObjectsV2(res, bucket, query);
    }
    throw notImplemented(`${m} on a bucket with ?${subresources.join('&')}`);
  }
  const bucket = store.get(bucketName);
  if (!bucket) throw noSuchBucket(bucketName);
  if (subresources.length > 0) throw notImplemented(`${m} on an object with ?${subresources.join('&')}`);
  if (m === 'PUT') return putObject(req, res, bucket, key);
  if (m === 'GET' || m === 'HEAD') return getObject(req, res, bucket, key, m === 'HEAD');
  if (m === 'DELETE') {
    bucket.delete(key);
    res.writeHead(204);
    return res.end();
  }
  throw notImplemented(`${m} on an object`);
}

/** Splits `/bucket/key` (raw, percent-encoded) into the bucket and the decoded key (undefined for the bucket itself). */
function parsePath(rawPath) {
  const slash = rawPath.indexOf('/', 1);
  const bucket = decodeURIComponent(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
  const rawKey = slash < 0 ? '' : rawPath.slice(slash + 1);
  if (rawKey === '') return { bucket, key: undefined };
  const key = decodeURIComponent(rawKey);
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new S3Error(400, 'KeyTooLongError', 'Your key is too long');
  return { bucket, key };
}

/** Request ids: this process's random prefix and a counter. */
const REQUEST_ID_PREFIX = crypto.randomBytes(4).toString('hex').toUpperCase();
let requests = 0;

function handler(store, creds) {
  const signers = new Map();
  return async (req, res) => {
    const requestId = `${REQUEST_ID_PREFIX}${(++requests).toString(16).toUpperCase().padStart(8, '0')}`;
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('Server', 'regsweep-local-s3');
    let resource = req.url;
    try {
      const q = req.url.indexOf('?');
      const rawPath = q < 0 ? req.url : req.url.slice(0, q);
      const query = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1));
      let parsed;
      try {
        parsed = parsePath(rawPath);
      } catch (e) {
        if (e instanceof S3Error) throw e;
        throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
      }
      resource = `/${parsed.bucket}${parsed.key === undefined ? '' : `/${parsed.key}`}`;
      await authenticate(req, rawPath, query, creds, signers);
      await route(req, res, store, parsed.bucket, parsed.key, query);
    } catch (e) {
      const err = e instanceof S3Error ? e : new S3Error(500, 'InternalError', INTERNAL_ERROR);
      if (err.status === 500) process.stderr.write(`s3-server-process: ${req.method} ${req.url}: ${e && e.stack}\n`);
      if (res.headersSent) return res.destroy();
      if (req.method === 'HEAD') {
        res.writeHead(err.status, { 'x-amz-error-code': err.code, 'Content-Length': 0 });
        return res.end();
      }
      sendXml(res, err.status, xml.errorXml(err.code, err.message, { ...err.extra, Resource: resource, RequestId: requestId }));
    }
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { REGSWEEP_S3_ACCESS_KEY_ID: accessKeyId, REGSWEEP_S3_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
  if (!accessKeyId || !secretAccessKey) throw new Error('REGSWEEP_S3_ACCESS_KEY_ID and REGSWEEP_S3_SECRET_ACCESS_KEY are required');
  const store = new DiskStore(args.dir);
  // Before READY, on stdout: local/s3server.ts hands them to its caller (a damaged record part: its trials run again).
  for (const w of store.load()) process.stdout.write(`WARN ${w.replace(/\s+/g, ' ')}\n`);

  for (const b of args.buckets) if (!store.create(b)) throw new Error(`s3-server-process: invalid bucket name ${b}`);
  const server = http.createServer(handler(store, { accessKeyId, secretAccessKey }));
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(args.port, '127.0.0.1', resolve);
  });
  let closing = false;
  const exit = () => {
    if (args.removeDir) fs.rmSync(args.dir, { recursive: true, force: true });
    process.exit(0);
  };
  const shutdown = () => {
    if (closing) return;
    closing = true;
    setTimeout(exit, 2000).unref();
    server.close(exit);
    server.closeIdleConnections();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // The parent holds our stdin open; when it goes away (even by SIGKILL), stdin ends and we exit.
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.resume();
  process.stdout.write(`READY ${server.address().port}\n`);
}

main().catch((err) => {
  process.stderr.write(`s3-server-process failed: ${err && err.stack ? err.stack : String(err)}\n`);
  process.exit(1);
});
