'use strict';
/**
 * XML of the local S3 server (local/s3-server-process.js): its errors, S3's response documents built from template
 * strings with escaping, and the one request body it reads, DeleteObjects' `<Delete>`.
 */
/** An S3 error: HTTP status, S3's code, message and the extra fields S3 puts in its Error document. */
class S3Error extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}
const notImplemented = (what) => new S3Error(501, 'NotImplemented', `${what} is not implemented by the local S3 server`);

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

/** Text or attribute content; control characters (legal in S3 keys) as character references, as S3 writes them. */
function esc(s) {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must become references
  return String(s).replace(/[&<>"'\u0000-\u001f]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
    }
  });
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five entities and numeric character references; undefined for anything else (malformed). */
function unesc(s) {
  let bad = false;
  const out = s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);|&/g, (m, ref) => {
    if (ref === undefined) bad = true;
    else if (ref[0] !== '#') {
      if (!(ref in ENTITIES)) bad = true;
      else return ENTITIES[ref];
    } else {
      const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (cp > 0x10ffff) bad = true;
      else return String.fromCodePoint(cp);
    }
    return m;
  });
  return bad ? undefined : out;
}

const el = (name, value) => `<${name}>${esc(value)}</${name}>`;

function errorXml(code, message, extra = {}) {
  const fields = Object.entries(extra)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => el(k, v))
    .join('');
  return `${XML_DECL}<Error>${el('Code', code)}${el('Message', message)}${fields}</Error>`;
}

function listBucketsXml(buckets, owner) {
  const items = buckets.map((b) => `<Bucket>${el('Name', b.name)}${el('CreationDate', b.created.toISOString())}</Bucket>`).join('');
  return `${XML_DECL}<ListAllMyBucketsResult ${NS}><Owner>${el('ID', owner)}${el('DisplayName', owner)}</Owner><Buckets>${items}</Buckets></ListAllMyBucketsResult>`;
}

/** ListObjectsV2's answer; `enc` encodes keys and prefixes (identity, or encodeURIComponent for encoding-type=url). */
function listObjectsV2Xml(r, enc) {
  const opt = (name, v) => (v === undefined || v === '' ? '' : el(name, v));
  const contents = r.contents
    .map(
      ({ key, meta }) =>
        `<Contents>${el('Key', enc(key))}${el('LastModified', meta.lastModified)}${el('ETag', meta.etag)}${el('Size', meta.size)}<StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join('');
  const prefixes = r.commonPrefixes.map((p) => `<CommonPrefixes>${el('Prefix', enc(p))}</CommonPrefixes>`).join('');
  return (
    `${XML_DECL}<ListBucketResult ${NS}>${el('Name', r.bucket)}${el('Prefix', enc(r.prefix))}${opt('Delimiter', r.delimiter && enc(r.delimiter))}` +
    `${el('MaxKeys', r.maxKeys)}${el('KeyCount', r.contents.length + r.commonPrefixes.length)}${el('IsTruncated', r.isTruncated)}` +
    `${opt('ContinuationToken', r.continuationToken)}${opt('NextContinuationToken', r.nextContinuationToken)}${opt('StartAfter', r.startAfter && enc(r.startAfter))}` +
    `${opt('EncodingType', r.encodingType)}${contents}${prefixes}</ListBucketResult>`
  );
}

function deleteResultXml(deleted, errors) {
  const d = deleted.map((k) => `<Deleted>${el('Key', k)}</Deleted>`).join('');
  const e = errors.map((x) => `<Error>${el('Key', x.key)}${el('Code', x.code)}${el('Message', x.message)}</Error>`).join('');
  return `${XML_DECL}<DeleteResult ${NS}>${d}${e}</DeleteResult>`;
}

/**
 * DeleteObjects' body: `<Delete><Quiet>?</Quiet><Object><Key>k</Key><VersionId>?</VersionId></Object>...</Delete>`.
 * Returns { quiet, keys } or undefined when the document is not that shape (S3's MalformedXML).
 */
function parseDeleteXml(text) {
  const doc = /^\s*(?:<\?xml[^>]*\?>\s*)?<Delete(?:\s[^>]*)?>([\s\S]*)<\/Delete>\s*$/.exec(text);
  if (!doc) return undefined;
  let rest = doc[1];
  let quiet = false;
  const keys = [];
  const token = /^\s*(?:<Quiet>\s*(true|false)\s*<\/Quiet>|<Object>\s*<Key>([^<]*)<\/Key>\s*(?:<VersionId>[^<]*<\/VersionId>\s*)?<\/Object>)/;
  while (rest.trim() !== '') {
    const m = token.exec(rest);
    if (!m) return undefined;
    if (m[1] !== undefined) quiet = m[1] === 'true';
    else {
      const key = unesc(m[2]);
      if (key === undefined) return undefined;
      keys.push(key);
    }
    rest = rest.slice(m[0].length);
  }
  return { quiet, keys };
}

module.exports = { S3Error, notImplemented, errorXml, listBucketsXml, listObjectsV2Xml, deleteResultXml, parseDeleteXml };
