/**
 * A minimal in-memory S3-compatible HTTP server (path style: PUT/GET/HEAD/DELETE object, ListObjectsV2 with
 * continuation, DeleteObjects, CreateBucket), run in its own process like s3rver:
 * `node bench/memory-s3-server.js BUCKET...` prints `READY <port>`. BENCH-ONLY: it sizes what replacing s3rver
 * (which keeps three files per object and stats them on every request) would save; it is not a component of the
 * harness and skips what the harness does not use (auth checks, versioning, multipart).
 */
const http = require('node:http');
const crypto = require('node:crypto');
const buckets = new Map();
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unesc = (s) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
function send(res, status, body, type = 'application/xml') {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
function error(res, status, code, message, head) {
  if (head) {
    res.writeHead(status);
    return res.end();
  }
  send(res, status, '<?xml version="1.0" encoding="UTF-8"?><Error><Code>' + code + '</Code><Message>' + esc(message) + '</Message></Error>');
}
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const u = new URL(req.url, 'http://local');
    const parts = u.pathname.split('/');
    const bucket = decodeURIComponent(parts[1] || '');
    const key = decodeURIComponent(parts.slice(2).join('/'));
    const head = req.method === 'HEAD';
    if (!bucket) return send(res, 200, '<ListAllMyBucketsResult/>');
    let b = buckets.get(bucket);
    if (!key) {
      if (req.method === 'PUT') {
        if (!b) buckets.set(bucket, new Map());
        res.writeHead(200);
        return res.end();
      }
      if (!b) return error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', head);
      if (req.method === 'HEAD') {
        res.writeHead(200);
        return res.end();
      }
      if (req.method === 'POST' && u.searchParams.has('delete')) {
        const body = Buffer.concat(chunks).toString('utf8');
        for (const m of body.matchAll(/<Key>([^<]*)<\/Key>/g)) b.delete(unesc(m[1]));
        return send(res, 200, '<?xml version="1.0" encoding="UTF-8"?><DeleteResult></DeleteResult>');
      }
      const prefix = u.searchParams.get('prefix') || '';
      const max = Math.min(1000, Number(u.searchParams.get('max-keys') || 1000));
      const after = u.searchParams.get('continuation-token') || u.searchParams.get('start-after') || '';
      const keys = [...b.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
      const page = keys.slice(0, max);
      const more = keys.length > max;
      const contents = page
        .map((k) => {
          const o = b.get(k);
          return (
            '<Contents><Key>' +
            esc(k) +
            '</Key><LastModified>' +
            o.modified +
            '</LastModified><ETag>' +
            esc(o.etag) +
            '</ETag><Size>' +
            o.body.length +
            '</Size><StorageClass>STANDARD</StorageClass></Contents>'
          );
        })
        .join('');
      return send(
        res,
        200,
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>' +
          esc(bucket) +
          '</Name><Prefix>' +
          esc(prefix) +
          '</Prefix><KeyCount>' +
          page.length +
          '</KeyCount><MaxKeys>' +
          max +
          '</MaxKeys><IsTruncated>' +
          more +
          '</IsTruncated>' +
          (more ? '<NextContinuationToken>' + esc(page[page.length - 1]) + '</NextContinuationToken>' : '') +
          contents +
          '</ListBucketResult>',
      );
    }
    if (!b) return error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', head);
    if (req.method === 'PUT') {
      const body = Buffer.concat(chunks);
      const etag = '"' + crypto.createHash('md5').update(body).digest('hex') + '"';
      b.set(key, { body, etag, type: req.headers['content-type'] || 'application/octet-stream', modified: new Date().toISOString() });
      res.writeHead(200, { ETag: etag });
      return res.end();
    }
    const o = b.get(key);
    if (!o) return error(res, 404, 'NoSuchKey', 'The specified key does not exist.', head);
    if (req.method === 'DELETE') {
      b.delete(key);
      res.writeHead(204);
      return res.end();
    }
    res.writeHead(200, { ETag: o.etag, 'Content-Type': o.type, 'Content-Length': o.body.length, 'Last-Modified': new Date(o.modified).toUTCString() });
    res.end(head ? undefined : o.body);
  });
});
for (const name of process.argv.slice(2)) buckets.set(name, new Map());
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write('READY ' + server.address().port + '\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
