'use strict';
/**
 * Who may call the local S3 server (local/s3-server-process.js) and whether a body is what was sent: AWS Signature V4
 * checked with @smithy/signature-v4 (the SDK's own signer, recomputing the signature over the signed headers as
 * received) against the one key pair, then the body against its x-amz-content-sha256, Content-MD5 and
 * x-amz-checksum-* headers.
 */
const crypto = require('node:crypto');
const zlib = require('node:zlib');
const { SignatureV4 } = require('@smithy/signature-v4');
const { S3Error, notImplemented } = require('./s3-xml');

/** @smithy/signature-v4's hash interface over node:crypto (SHA-256, or HMAC-SHA256 with a secret). */
class Sha256 {
  constructor(secret) {
    this.hash = secret ? crypto.createHmac('sha256', secret) : crypto.createHash('sha256');
  }
  update(data) {
    this.hash.update(data);
  }
  digest() {
    return Promise.resolve(this.hash.digest());
  }
}

/** S3 refuses a request signed more than 15 minutes away from its clock (RequestTimeTooSkewed), which bounds replays. */
const MAX_SKEW_MS = 15 * 60 * 1000;

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/** Checks the request's SigV4 Authorization header against the one key pair; throws S3's error otherwise. */
async function authenticate(req, rawPath, query, creds, signers) {
  if (query.has('X-Amz-Signature') || query.has('X-Amz-Credential')) throw notImplemented('Query-string (presigned URL) authentication');
  const auth = req.headers.authorization;
  if (!auth) throw new S3Error(403, 'AccessDenied', 'Access Denied');
  const m = AUTH.exec(auth);
  if (!m) throw new S3Error(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed; expected AWS4-HMAC-SHA256');
  const [, accessKeyId, shortDate, region, service, signedHeaders, signature] = m;
  if (accessKeyId !== creds.accessKeyId) {
    throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
  }
  const amzDate = req.headers['x-amz-date'];
  const dm = typeof amzDate === 'string' ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate) : null;
  if (!dm || amzDate.slice(0, 8) !== shortDate || service !== 's3') {
    throw new S3Error(403, 'AccessDenied', 'The request needs an x-amz-date header matching the credential scope of service s3');
  }
  const signingDate = new Date(Date.UTC(+dm[1], +dm[2] - 1, +dm[3], +dm[4], +dm[5], +dm[6]));
  const now = Date.now();
  if (!(Math.abs(now - signingDate.getTime()) <= MAX_SKEW_MS)) {
    throw new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
      RequestTime: amzDate,
      ServerTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      MaxAllowedSkewMilliseconds: MAX_SKEW_MS,
    });
  }
  if (!req.headers['x-amz-content-sha256']) throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  const names = signedHeaders.split(';');
  // The payload hash must be signed too, or a body could be swapped along with its hash.
  if (!names.includes('host') || !names.includes('x-amz-content-sha256')) {
    throw new S3Error(403, 'AccessDenied', 'The host and x-amz-content-sha256 headers must be signed');
  }
  const headers = {};
  for (const name of names) {
    const v = req.headers[name];
    headers[name] = Array.isArray(v) ? v.join(',') : (v ?? '');
  }
  const queryObj = {};
  for (const [k, v] of query) {
    const prev = queryObj[k];
    queryObj[k] = prev === undefined ? v : [].concat(prev, v);
  }
  let signer = signers.get(region);
  if (!signer) {
    signer = new SignatureV4({ credentials: creds, region, service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    signers.set(region, signer);
  }
  const signed = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: '', path: rawPath, query: queryObj, headers },
    { signingDate, signableHeaders: new Set(names) },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(signed.headers.authorization)[1];
  const sameHeaders = /SignedHeaders=([^,]+),/.exec(signed.headers.authorization)[1] === signedHeaders;
  if (!sameHeaders || !crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    throw new S3Error(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  }
}

const CHECKSUMS = {
  'x-amz-checksum-crc32': (b) => {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(zlib.crc32(b));
    return out.toString('base64');
  },
  'x-amz-checksum-sha1': (b) => crypto.createHash('sha1').update(b).digest('base64'),
  'x-amz-checksum-sha256': (b) => crypto.createHash('sha256').update(b).digest('base64'),
};

/** Rejects a body that does not match the hashes its headers announce (payload SHA-256, Content-MD5, checksums). */
function checkBody(req, body) {
  const declared = req.headers['x-amz-content-sha256'];
  if (declared !== 'UNSIGNED-PAYLOAD' && crypto.createHash('sha256').update(body).digest('hex') !== declared) {
    throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  const md5 = req.headers['content-md5'];
  if (md5 !== undefined) {
    if (Buffer.from(md5, 'base64').length !== 16) throw new S3Error(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.');
    if (crypto.createHash('md5').update(body).digest('base64') !== md5)
      throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  for (const name of Object.keys(req.headers)) {
    if (!name.startsWith('x-amz-checksum-') || name === 'x-amz-checksum-type') continue;
    const compute = CHECKSUMS[name];
    if (!compute) throw notImplemented(`The checksum ${name}`);
    if (compute(body) !== req.headers[name]) throw new S3Error(400, 'BadDigest', `The ${name} you specified did not match the calculated checksum.`);
  }
}

module.exports = { authenticate, checkBody, MAX_SKEW_MS };
