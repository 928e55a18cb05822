/**
 * The local S3 server (local/s3-server-process.js) itself, through the real AWS SDK and, where the SDK cannot go
 * (tampered requests, malformed XML, operations it does not implement), raw signed HTTP.
 */
import { expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { startS3Server } from '../../local/s3server';
import { createS3Client, ObjectStore } from '../../shared/store/s3';
import { pidsWithArg } from '../support/reliability';
import { rawS3Request, useLocalS3, type RawS3Request } from '../support/s3';

const BUCKET = 'regsweep-s3-server';
const s3 = useLocalS3(BUCKET);
const md5Etag = (b: Uint8Array) => `"${createHash('md5').update(b).digest('hex')}"`;
/** S3's order: UTF-8 bytes. */
const s3Order = (keys: string[]) => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
const errorCode = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

async function waitUntil(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

const ODD_KEYS = [
  'a',
  'a/b', // a file and a "directory" of the same name
  'a/b/c',
  'with space/and+plus=eq&amp',
  'ünïcødé/✓/😀 emoji',
  '\uffff then astral \u{1f600}', // U+FFFF sorts before U+1F600 in UTF-8 but after its surrogates in UTF-16...
  '\u{1f600} astral first', // ...so this key lists after the one above
  'x//double/slash',
  'trailing/',
  'percent%20literal%2F',
  'query?x=1&y=#frag',
  'xml <tag> & "quotes" \'apos\'',
  'tab\tand\nnewline',
  '.',
  'k'.repeat(1020), // 1,024 bytes with the 'odd/' prefix
];

describe('objects round-trip exactly', () => {
  it('any UTF-8 key up to 1,024 bytes: the same bytes back, ETag = quoted MD5, listed in UTF-8 byte order', async () => {
    // Prepare
    const bodies = new Map(ODD_KEYS.map((k, i) => [k, randomBytes(i * 97)] as const));
    // Act
    for (const [k, b] of bodies) await s3.store.putBytes(`odd/${k}`, b);
    // Assess
    for (const [k, b] of bodies) {
      const got = await s3.store.getBytes(`odd/${k}`);
      expect(got && Buffer.from(got.body).equals(b)).toBe(true);
      expect(got?.etag).toBe(md5Etag(b));
      expect(await s3.store.head(`odd/${k}`)).toEqual({ size: b.length, etag: md5Etag(b) });
    }
    expect(await s3.store.listKeys('odd/')).toEqual(s3Order(ODD_KEYS.map((k) => `odd/${k}`)));
  });

  it('refuses a key over 1,024 bytes with KeyTooLongError', async () => {
    const err = await s3.store.putText('k'.repeat(1025), 'x').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'KeyTooLongError', $metadata: { httpStatusCode: 400 } });
  });

  it('the last of concurrent writes of one key is what a read and a listing see', async () => {
    const bodies = Array.from({ length: 20 }, (_, i) => Buffer.from(`version ${i} `.repeat(i + 1)));
    await Promise.all(bodies.map((b) => s3.store.putBytes('race/key', b)));
    const got = await s3.store.getBytes('race/key');
    expect(bodies.some((b) => got && Buffer.from(got.body).equals(b))).toBe(true);
    const listed = await s3.store.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'race/' }));
    expect(listed.Contents?.map((o) => [o.Key, o.ETag, o.Size])).toEqual([['race/key', got?.etag, got?.body.byteLength]]);
  });
});

describe('errors are S3 XML documents with S3 codes', () => {
  it('NoSuchKey 404 (GET), a bodyless 404 (HEAD), NoSuchBucket 404, DeleteObject of a missing key 204', async () => {
    const get = await rawS3Request(s3.endpoint, s3.credentials, { method: 'GET', path: `/${BUCKET}/no/such/key` });
    expect([get.status, errorCode(get.text)]).toEqual([404, 'NoSuchKey']);
    expect(get.text).toContain('<Key>no/such/key</Key>');
    const head = await rawS3Request(s3.endpoint, s3.credentials, { method: 'HEAD', path: `/${BUCKET}/no/such/key` });
    expect([head.status, head.text]).toEqual([404, '']);
    const list = await rawS3Request(s3.endpoint, s3.credentials, { method: 'GET', path: '/no-such-bucket', query: { 'list-type': '2' } });
    expect([list.status, errorCode(list.text)]).toEqual([404, 'NoSuchBucket']);
    const del = await rawS3Request(s3.endpoint, s3.credentials, { method: 'DELETE', path: `/${BUCKET}/no/such/key` });
    expect(del.status).toBe(204);
  });

  it('an operation it does not implement is 501 NotImplemented, and the server goes on serving', async () => {
    const requests: RawS3Request[] = [
      { method: 'GET', path: `/${BUCKET}/a`, query: { acl: '' } },
      { method: 'GET', path: `/${BUCKET}`, query: { versioning: '' } },
      { method: 'GET', path: `/${BUCKET}` }, // ListObjects v1
      { method: 'PUT', path: `/${BUCKET}/copy`, headers: { 'x-amz-copy-source': `/${BUCKET}/a` } },
      { method: 'POST', path: `/${BUCKET}/a`, query: { uploads: '' } },
    ];
    for (const req of requests) {
      const res = await rawS3Request(s3.endpoint, s3.credentials, req);
      expect([req, res.status, errorCode(res.text)]).toEqual([req, 501, 'NotImplemented']);
    }
    await s3.store.putJson('still/alive.json', 1);
    expect(await s3.store.getJson('still/alive.json')).toBe(1);
  });
});

describe('authentication and integrity', () => {
  const put = { method: 'PUT', path: `/${BUCKET}/auth/obj`, body: Buffer.from('the real body'), headers: { 'content-type': 'text/plain' } };

  it('accepts a correctly signed request (control)', async () => {
    const res = await rawS3Request(s3.endpoint, s3.credentials, put);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(md5Etag(put.body));
  });

  it.each([
    ['no Authorization', { credentials: null }, 403, 'AccessDenied'],
    ['an unknown access key', { credentials: { accessKeyId: 'AKIAOTHERKEY00000000', secretAccessKey: 'x' } }, 403, 'InvalidAccessKeyId'],
    ['the right key id with a wrong secret', { wrongSecret: true }, 403, 'SignatureDoesNotMatch'],
    [
      'a signed header changed after signing',
      { tamper: (r: { headers: Record<string, string> }) => (r.headers['content-type'] = 'text/html') },
      403,
      'SignatureDoesNotMatch',
    ],
    [
      'its payload hash left out of the signed headers',
      { tamper: (r: { headers: Record<string, string> }) => (r.headers.authorization = r.headers.authorization.replace(';x-amz-content-sha256', '')) },
      403,
      'AccessDenied',
    ],
    ['another body than the signed hash', { tamper: (r: { body?: Buffer }) => (r.body = Buffer.from('a forged body')) }, 400, 'XAmzContentSHA256Mismatch'],
    [
      'a Content-MD5 that does not match',
      { headers: { 'content-type': 'text/plain', 'content-md5': createHash('md5').update('other').digest('base64') } },
      400,
      'BadDigest',
    ],
    ['an x-amz-checksum-crc32 that does not match', { headers: { 'content-type': 'text/plain', 'x-amz-checksum-crc32': 'AAAAAA==' } }, 400, 'BadDigest'],
  ])('refuses a PUT with %s, and stores nothing', async (_what, change, status, code) => {
    // Prepare
    await s3.store.putText('auth/obj', 'before');
    const { wrongSecret, ...rest } = change as { wrongSecret?: boolean };
    const credentials = wrongSecret ? { ...s3.credentials, secretAccessKey: `${s3.credentials.secretAccessKey}x` } : undefined;
    // Act
    const res = await rawS3Request(s3.endpoint, s3.credentials, { ...put, ...(credentials ? { credentials } : {}), ...rest });
    // Assess
    expect([res.status, errorCode(res.text)]).toEqual([status, code]);
    expect(await s3.store.getText('auth/obj')).toBe('before');
  });

  it.each([
    ['signed for 2020-01-01', new Date('2020-01-01T00:00:00Z')],
    ['signed a year ahead', new Date(Date.now() + 365 * 86_400_000)],
    ['replayed 16 minutes later', new Date(Date.now() - 16 * 60_000)],
  ])('refuses a request %s with 403 RequestTimeTooSkewed (S3 allows 15 minutes), and stores nothing', async (_what, signingDate) => {
    await s3.store.putText('auth/obj', 'before');
    const res = await rawS3Request(s3.endpoint, s3.credentials, { ...put, signingDate });
    expect([res.status, errorCode(res.text)]).toEqual([403, 'RequestTimeTooSkewed']);
    expect(res.text).toContain('<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>');
    expect(await s3.store.getText('auth/obj')).toBe('before');
  });

  it('accepts a request signed 14 minutes ago (inside the window)', async () => {
    const res = await rawS3Request(s3.endpoint, s3.credentials, { ...put, signingDate: new Date(Date.now() - 14 * 60_000) });
    expect(res.status).toBe(200);
  });

  it('refuses a listing whose query was changed after signing', async () => {
    const res = await rawS3Request(s3.endpoint, s3.credentials, {
      method: 'GET',
      path: `/${BUCKET}`,
      query: { 'list-type': '2', prefix: 'auth/' },
      tamper: (r) => (r.query.prefix = 'odd/'),
    });
    expect([res.status, errorCode(res.text)]).toEqual([403, 'SignatureDoesNotMatch']);
  });
});

describe('ListObjectsV2', () => {
  const KEYS = ['t/a', 't/b/1', 't/b/2', 't/b/3', 't/c', 't/c/', 't/c/x', 't/d/e/f', 't/e', 't/f/'];

  async function pages(client: S3Client, input: { Prefix: string; Delimiter?: string; MaxKeys: number; StartAfter?: string }) {
    const out: ListObjectsV2CommandOutput[] = [];
    let token: string | undefined;
    do {
      const res = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, ...input, ContinuationToken: token }));
      out.push(res);
      token = res.NextContinuationToken;
      expect(res.IsTruncated).toBe(token !== undefined);
    } while (token);
    return out;
  }

  beforeAll(async () => {
    for (const k of KEYS) await s3.store.putText(k, k);
  });

  it.each([1, 2, 3, 1000])('pages of %i with a delimiter: every key and common prefix once, in order, KeyCount per page', async (max) => {
    // Act
    const got = await pages(s3.store.client, { Prefix: 't/', Delimiter: '/', MaxKeys: max });
    // Assess: by hand, the keys under t/ without a further '/', and t/b/, t/c/, t/d/, t/f/ rolled up
    const entries = got.flatMap((p) => [...(p.Contents ?? []).map((o) => o.Key), ...(p.CommonPrefixes ?? []).map((c) => c.Prefix)]);
    expect(s3Order(entries as string[])).toEqual(['t/a', 't/b/', 't/c', 't/c/', 't/d/', 't/e', 't/f/']);
    for (const p of got) {
      expect(p.KeyCount).toBe((p.Contents?.length ?? 0) + (p.CommonPrefixes?.length ?? 0));
      expect(p.KeyCount).toBeLessThanOrEqual(max);
    }
    expect(got).toHaveLength(Math.ceil(7 / max));
  });

  it('StartAfter and no delimiter: the keys after it, across pages', async () => {
    const got = await pages(s3.store.client, { Prefix: 't/', MaxKeys: 2, StartAfter: 't/b/2' });
    expect(got.flatMap((p) => (p.Contents ?? []).map((o) => o.Key))).toEqual(['t/b/3', 't/c', 't/c/', 't/c/x', 't/d/e/f', 't/e', 't/f/']);
  });

  it('a forged continuation token is 400 InvalidArgument', async () => {
    const res = await rawS3Request(s3.endpoint, s3.credentials, { method: 'GET', path: `/${BUCKET}`, query: { 'list-type': '2', 'continuation-token': '!!' } });
    expect([res.status, errorCode(res.text)]).toEqual([400, 'InvalidArgument']);
  });
});

describe('DeleteObjects and Range', () => {
  it('deletes exactly the named keys (XML special characters too), reports each, missing ones included', async () => {
    const keys = ['del/<a>&"b"', "del/it's", 'del/keep', 'del/plain'];
    for (const k of keys) await s3.store.putText(k, k);
    const res = await s3.store.client.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [keys[0], keys[1], keys[3], 'del/missing'].map((Key) => ({ Key })) } }),
    );
    expect(new Set(res.Deleted?.map((d) => d.Key))).toEqual(new Set([keys[0], keys[1], keys[3], 'del/missing']));
    expect(res.Errors ?? []).toEqual([]);
    expect(await s3.store.listKeys('del/')).toEqual(['del/keep']);
  });

  it('refuses malformed DeleteObjects XML with MalformedXML and deletes nothing', async () => {
    await s3.store.putText('del/keep2', 'x');
    const body = Buffer.from('<Delete><Object><Key>del/keep2</Key></Object><Bogus/></Delete>');
    const res = await rawS3Request(s3.endpoint, s3.credentials, {
      method: 'POST',
      path: `/${BUCKET}`,
      query: { delete: '' },
      body,
      headers: { 'content-md5': createHash('md5').update(body).digest('base64') },
    });
    expect([res.status, errorCode(res.text)]).toEqual([400, 'MalformedXML']);
    expect(await s3.store.getText('del/keep2')).toBe('x');
  });

  it.each([
    ['bytes=10-19', 206, [10, 20], 'bytes 10-19/100000'],
    ['bytes=99990-', 206, [99990, 100000], 'bytes 99990-99999/100000'],
    ['bytes=-5', 206, [99995, 100000], 'bytes 99995-99999/100000'],
    ['bytes=99000-200000', 206, [99000, 100000], 'bytes 99000-99999/100000'],
    ['bytes=0-', 206, [0, 100000], 'bytes 0-99999/100000'],
  ])('Range %s: %i with exactly those bytes', async (range, status, [from, to], contentRange) => {
    const bytes = randomBytes(100_000);
    await s3.store.putBytes('range/obj', bytes);
    const res = await s3.store.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range/obj', Range: range }));
    expect(res.$metadata.httpStatusCode).toBe(status);
    expect(res.ContentRange).toBe(contentRange);
    expect(Buffer.from(await res.Body!.transformToByteArray()).equals(bytes.subarray(from, to))).toBe(true);
  });

  it('a 3 MB object (streamed from its file, not held in memory) comes back whole and by range', async () => {
    const bytes = randomBytes(3 * 1024 ** 2);
    await s3.store.putBytes('range/large', bytes);
    expect(Buffer.from((await s3.store.getBytes('range/large'))!.body).equals(bytes)).toBe(true);
    const res = await s3.store.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range/large', Range: 'bytes=1000000-2999999' }));
    expect(Buffer.from(await res.Body!.transformToByteArray()).equals(bytes.subarray(1_000_000, 3_000_000))).toBe(true);
  });

  it('an unsatisfiable Range is 416 InvalidRange', async () => {
    await s3.store.putBytes('range/small', randomBytes(10));
    const res = await rawS3Request(s3.endpoint, s3.credentials, { method: 'GET', path: `/${BUCKET}/range/small`, headers: { range: 'bytes=10-20' } });
    expect([res.status, errorCode(res.text)]).toEqual([416, 'InvalidRange']);
  });
});

describe('persistence and lifetime', () => {
  it('a restart on the same dir keeps every object, overwrite and delete; leftover temp files are dropped', async () => {
    // Prepare
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'regsweep-s3-persist-'));
    try {
      const a = await startS3Server({ dir, buckets: ['persist'] });
      const clientA = createS3Client({ endpoint: a.endpoint, credentials: a.credentials });
      const storeA = new ObjectStore(clientA, 'persist');
      const bodies = new Map(ODD_KEYS.map((k, i) => [k, randomBytes(i * 31 + 1)] as const));
      for (const [k, b] of bodies) await storeA.putBytes(k, b);
      await storeA.putText('a', 'overwritten');
      bodies.set('a', Buffer.from('overwritten'));
      await storeA.deletePrefix('a/b/');
      bodies.delete('a/b/c');
      clientA.destroy();
      await a.stop();
      fs.writeFileSync(path.join(dir, 'persist', '.tmp-0123456789abcdef'), 'half an object'); // what a kill mid-write leaves
      // Act
      const b = await startS3Server({ dir, buckets: ['persist'], credentials: a.credentials });
      const clientB = createS3Client({ endpoint: b.endpoint, credentials: b.credentials });
      try {
        const storeB = new ObjectStore(clientB, 'persist');
        // Assess
        expect(await storeB.listKeys('')).toEqual(s3Order([...bodies.keys()]));
        for (const [k, body] of bodies) expect(Buffer.from((await storeB.getBytes(k))!.body).equals(body)).toBe(true);
        expect(fs.readdirSync(path.join(dir, 'persist')).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
      } finally {
        clientB.destroy();
        await b.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an object file shorter or longer than its header says is absent after a restart, with a warning naming its key', async () => {
    // Prepare
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'regsweep-s3-short-'));
    try {
      const a = await startS3Server({ dir, buckets: ['short'] });
      const clientA = createS3Client({ endpoint: a.endpoint, credentials: a.credentials });
      const storeA = new ObjectStore(clientA, 'short');
      for (const k of ['cut', 'long', 'whole']) await storeA.putText(k, `the body of ${k}`.repeat(20));
      clientA.destroy();
      await a.stop();
      const fileOf = (k: string) => path.join(dir, 'short', createHash('sha256').update(k).digest('hex'));
      fs.truncateSync(fileOf('cut'), fs.statSync(fileOf('cut')).size - 7); // what a crash before the data reached the disk leaves
      fs.appendFileSync(fileOf('long'), 'junk');
      // Act
      const b = await startS3Server({ dir, buckets: ['short'], credentials: a.credentials });
      const clientB = createS3Client({ endpoint: b.endpoint, credentials: b.credentials });
      try {
        const storeB = new ObjectStore(clientB, 'short');
        // Assess
        expect(b.warnings).toHaveLength(2);
        expect(b.warnings.join('\n')).toMatch(/treated as absent: the object "cut" has \d+ bytes on disk, fewer than the \d+ its header says/);
        expect(b.warnings.join('\n')).toMatch(/the object "long" has \d+ bytes on disk, more than/);
        expect(await storeB.listKeys('')).toEqual(['whole']);
        expect(await storeB.getText('cut')).toBeUndefined();
        expect(await storeB.getText('whole')).toBe('the body of whole'.repeat(20));
        await storeB.putText('cut', 'written again'); // a PUT replaces the damaged file
        expect(await storeB.getText('cut')).toBe('written again');
      } finally {
        clientB.destroy();
        await b.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an object found cut short or unreadable while the server runs is a 404 NoSuchKey from then on, not a 500', async () => {
    // Prepare: bodies over 256 KB, which the server reads from their files (smaller ones stay cached in memory)
    const big = randomBytes(300 * 1024);
    await s3.store.putBytes('damaged/cut', big);
    await s3.store.putBytes('damaged/gone', big);
    const fileOf = (k: string) => path.join(s3.server.dir, BUCKET, createHash('sha256').update(k).digest('hex'));
    fs.truncateSync(fileOf('damaged/cut'), fs.statSync(fileOf('damaged/cut')).size - 1000);
    fs.rmSync(fileOf('damaged/gone'));
    // Act
    const cut = await rawS3Request(s3.endpoint, s3.credentials, { method: 'GET', path: `/${BUCKET}/damaged/cut` });
    const gone = await rawS3Request(s3.endpoint, s3.credentials, { method: 'GET', path: `/${BUCKET}/damaged/gone` });
    // Assess
    expect([cut.status, errorCode(cut.text)]).toEqual([404, 'NoSuchKey']);
    expect([gone.status, errorCode(gone.text)]).toEqual([404, 'NoSuchKey']);
    expect(await s3.store.listKeys('damaged/')).toEqual([]);
  });

  it("a 500 InternalError's body names no path of the server's machine", async () => {
    // Prepare: the bucket's directory replaced by a file, so that writing an object fails
    const bucketDir = path.join(s3.server.dir, BUCKET);
    const aside = `${bucketDir}.aside`;
    fs.renameSync(bucketDir, aside);
    fs.writeFileSync(bucketDir, 'not a directory');
    try {
      // Act
      const res = await rawS3Request(s3.endpoint, s3.credentials, { method: 'PUT', path: `/${BUCKET}/fails`, body: Buffer.from('x') });
      // Assess
      expect([res.status, errorCode(res.text)]).toEqual([500, 'InternalError']);
      expect(res.text).toContain('<Message>We encountered an internal error. Please try again.</Message>');
      expect(res.text).not.toContain(s3.server.dir);
      expect(res.text).not.toMatch(/ENOTDIR|\/tmp\//);
    } finally {
      fs.rmSync(bucketDir, { force: true });
      fs.renameSync(aside, bucketDir);
    }
  });

  it('stops when the process that started it is killed (SIGKILL)', async () => {
    // Prepare: a parent that starts a server on a dir of its own and then just stays alive
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'regsweep-s3-orphan-'));
    const code = `require('./local/s3server.ts').startS3Server({ dir: process.env.S3_DIR }).then((s) => { console.log('UP ' + s.port); setInterval(() => {}, 1000); });`;
    const parent = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', code], {
      cwd: path.join(__dirname, '..', '..'),
      env: { ...process.env, S3_DIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        parent.stdout.on('data', (c: Buffer) => (c.toString().includes('UP ') ? resolve() : undefined));
        parent.once('exit', (c) => reject(new Error(`parent exited early (${c})`)));
      });
      expect(pidsWithArg(dir)).toHaveLength(1);
      // Act
      parent.kill('SIGKILL');
      // Assess
      await waitUntil('the orphaned S3 server exited', () => pidsWithArg(dir).length === 0);
    } finally {
      parent.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
