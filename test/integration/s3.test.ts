/**
 * shared/s3.ts against a real local S3 server (local/s3-server-process.js in a child process) with the real AWS SDK.
 */
import { expect } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readStoredObjects, startS3Server } from '../../local/s3server';
import { CorruptObjectError, createS3Client, ObjectStore, S3OperationError } from '../../shared/store/s3';
import { blobsContract } from '../support/blobs-contract';
import { rawS3Request, useLocalS3 } from '../support/s3';

const BUCKET = 'regsweep-test';
const s3 = useLocalS3(BUCKET);

/** The bytes the server keeps on disk for an object (undefined when it has none). */
function storedBytes(dir: string, bucket: string, key: string): Buffer | undefined {
  return readStoredObjects(dir, bucket, key).get(key);
}

function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const FRAMING = /x-amz-checksum|chunk-signature|\r\n0\r\n/;

describe('ObjectStore: the BucketBlobs contract (the same tests MemoryBlobs passes, test/unit/shared/store/memory-blobs.test.ts)', () => {
  blobsContract(() => s3.store);
});

describe('ObjectStore on the local S3 server', () => {
  it('round-trips JSON, text and bytes', async () => {
    const value = { sweepId: 'abc', n: 3, nested: { xs: [1, 2.5, -3e-7], s: 'héllo ✓' }, nil: null };
    await s3.store.putJson('sweeps/abc/spec.json', value);
    expect(await s3.store.getJson('sweeps/abc/spec.json')).toEqual(value);

    await s3.store.putText('datasets/tiny.csv', 'x,y\n1,2\n');
    expect(await s3.store.getText('datasets/tiny.csv')).toBe('x,y\n1,2\n');

    const bytes = randomBytes(4096, 7);
    await s3.store.putBytes('sweeps/abc/best/weights.bin', bytes);
    const got = await s3.store.getBytes('sweeps/abc/best/weights.bin');
    expect(got).toBeDefined();
    expect(Buffer.from(got!.body).equals(Buffer.from(bytes))).toBe(true);
    expect(got!.etag).toMatch(/^"[0-9a-f]{32}"$/);

    await s3.store.putBytes('empty', new Uint8Array(0));
    expect((await s3.store.getBytes('empty'))!.body.byteLength).toBe(0);
  });

  it('returns undefined for a missing key (get and head)', async () => {
    expect(await s3.store.getBytes('no/such/key')).toBeUndefined();
    expect(await s3.store.getText('no/such/key')).toBeUndefined();
    expect(await s3.store.getJson('no/such/key.json')).toBeUndefined();
    expect(await s3.store.head('no/such/key')).toBeUndefined();
  });

  it('throws CorruptObjectError naming the key for invalid JSON', async () => {
    await s3.store.putText('sweeps/abc/trials/t-0000000000000000.json', '{"truncated": ');
    const err = await s3.store.getJson('sweeps/abc/trials/t-0000000000000000.json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptObjectError);
    expect(err).toMatchObject({ name: 'CorruptObjectError', key: 'sweeps/abc/trials/t-0000000000000000.json' });
    expect((err as Error).message).toContain(`s3://${BUCKET}/sweeps/abc/trials/t-0000000000000000.json`);
  });

  it('wraps other errors with the operation and key, keeping name and cause', async () => {
    const other = new ObjectStore(s3.store.client, 'no-such-bucket');
    const err = (await other.getBytes('some/key').catch((e: unknown) => e)) as Error & { $metadata?: { httpStatusCode?: number } };
    expect(err.message).toMatch(/^S3 GetObject s3:\/\/no-such-bucket\/some\/key failed: /);
    expect(err.name).toBe('NoSuchBucket');
    expect((err.cause as Error).name).toBe('NoSuchBucket');
    expect(err.$metadata?.httpStatusCode).toBe(404);
    await expect(other.putJson('k', 1)).rejects.toThrow(/^S3 PutObject s3:\/\/no-such-bucket\/k failed: /);
  });

  it('head gives size and etag', async () => {
    const bytes = randomBytes(1234, 3);
    await s3.store.putBytes('head/obj.bin', bytes);
    const h = await s3.store.head('head/obj.bin');
    expect(h).toEqual({ size: 1234, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    expect(h!.etag).toBe((await s3.store.getBytes('head/obj.bin'))!.etag);
  });

  it('lists every key over several pages (1,150 objects)', async () => {
    const prefix = 'sweeps/many/trials/';
    const keys = Array.from({ length: 1150 }, (_, i) => `${prefix}t-${i.toString(16).padStart(16, '0')}.json`);
    for (let i = 0; i < keys.length; i += 100) {
      await Promise.all(keys.slice(i, i + 100).map((k, j) => s3.store.putJson(k, { i: i + j })));
    }
    await s3.store.putJson('sweeps/many/leaderboard.json', []); // outside the prefix
    await s3.store.putJson('sweeps/many-other/spec.json', {}); // shares the string prefix 'sweeps/many'

    const listed = await s3.store.listKeys(prefix);
    expect(listed).toHaveLength(1150);
    expect(listed).toEqual([...keys].sort());
    expect(await s3.store.listKeys('sweeps/many/')).toHaveLength(1151);
    expect(await s3.store.listKeys('sweeps/nothing-here/')).toEqual([]);
  });

  it('deletePrefix removes everything under the prefix and nothing else', async () => {
    const deleted = await s3.store.deletePrefix('sweeps/many/');
    expect(deleted).toBe(1151);
    expect(await s3.store.listKeys('sweeps/many/')).toEqual([]);
    expect(await s3.store.listKeys('sweeps/many-other/')).toEqual(['sweeps/many-other/spec.json']);
    expect(await s3.store.deletePrefix('sweeps/many/')).toBe(0);
  });
});

describe('the checksum trap', () => {
  it('stores bytes put through the SDK exactly (object, file on disk, raw HTTP GET)', async () => {
    const bytes = randomBytes(70_000, 11); // > 64 KiB: the SDK would frame it in more than one chunk
    const key = 'sweeps/abc/best/model.bin';
    await s3.store.putBytes(key, bytes);

    const got = await s3.store.getBytes(key);
    expect(Buffer.from(got!.body).equals(Buffer.from(bytes))).toBe(true);

    const onDisk = storedBytes(s3.server.dir, BUCKET, key);
    expect(onDisk?.equals(Buffer.from(bytes))).toBe(true);

    const res = await rawS3Request(s3.endpoint, s3.credentials, { method: 'GET', path: `/${BUCKET}/${key}` });
    expect(res.status).toBe(200);
    expect(Buffer.from(res.body).equals(Buffer.from(bytes))).toBe(true);
    expect(res.headers.get('content-length')).toBe(String(bytes.byteLength));
  });

  it('createS3Client uploads even a streaming body plain (no aws-chunked CRC32 trailer)', async () => {
    const text = 'a,b\n1,2\n3,4\n';
    await s3.store.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'datasets/stream.csv', Body: Readable.from([Buffer.from(text)]), ContentLength: text.length }),
    );
    const onDisk = storedBytes(s3.server.dir, BUCKET, 'datasets/stream.csv')?.toString('utf8');
    expect(onDisk).not.toMatch(FRAMING);
    expect(onDisk).toBe(text);
    expect(await s3.store.getText('datasets/stream.csv')).toBe(text);
  });

  it('control: the SDK default config (aws-chunked with a CRC32 trailer) is refused, never stored framed', async () => {
    const text = 'a,b\n1,2\n';
    const naive = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: s3.credentials,
      maxAttempts: 1,
    });
    try {
      const err = await naive
        .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'control.csv', Body: Readable.from([Buffer.from(text)]), ContentLength: text.length }))
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
      expect((err as Error).message).toMatch(/aws-chunked/);
    } finally {
      naive.destroy();
    }
    expect(storedBytes(s3.server.dir, BUCKET, 'control.csv')).toBeUndefined();
  });
});

/**
 * What S3 answers a role whose s3:ListBucket is limited to some prefixes (infra/functions.ts): 403 AccessDenied, not
 * 404, for a GetObject/HeadObject of a missing key. The real local server answers; this turns its 404 into that 403.
 */
function deniedWhenMissing(client: S3Client): S3Client {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (e) {
        const missing = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;
        if (missing && ['GetObjectCommand', 'HeadObjectCommand'].includes(context.commandName ?? '')) {
          throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
        }
        throw e;
      }
    },
    { step: 'initialize', name: 'deniedWhenMissing' },
  );
  return client;
}

describe('a 403 for a key (prefix-scoped list rights)', () => {
  it('is "not found" when listing the key shows it is missing, and never hides an object that exists', async () => {
    // Prepare
    const client = deniedWhenMissing(createS3Client({ endpoint: s3.endpoint, credentials: s3.credentials }));
    const store = new ObjectStore(client, BUCKET);
    await s3.store.putJson('sweeps/denied/spec.json', { ok: 1 });
    try {
      // Act + Assess
      expect(await store.getJson('sweeps/denied/missing.json')).toBeUndefined();
      expect(await store.head('sweeps/denied/missing.json')).toBeUndefined();
      // a key that is a prefix of an existing one is still missing
      expect(await store.getBytes('sweeps/denied/spec')).toBeUndefined();
      expect(await store.getJson('sweeps/denied/spec.json')).toEqual({ ok: 1 });
    } finally {
      client.destroy();
    }
  });

  it('stays an error when the listing is refused too (a real denial)', async () => {
    const client = createS3Client({ endpoint: s3.endpoint, credentials: { accessKeyId: 'AKIAWRONGKEY00000000', secretAccessKey: 'wrong' } });
    try {
      await expect(new ObjectStore(client, BUCKET).getBytes('sweeps/denied/missing.json')).rejects.toBeInstanceOf(S3OperationError);
      await expect(new ObjectStore(client, BUCKET).head('sweeps/denied/missing.json')).rejects.toBeInstanceOf(S3OperationError);
    } finally {
      client.destroy();
    }
  });
});

describe('the local server', () => {
  it("accepts only its own fresh random key pair: not s3rver's well-known S3RVER/S3RVER, not another server's", async () => {
    // Prepare
    const other = await startS3Server({ buckets: [BUCKET] });
    const clients = [
      createS3Client({ endpoint: s3.endpoint, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
      createS3Client({ endpoint: s3.endpoint, credentials: other.credentials }),
      createS3Client({ endpoint: other.endpoint, credentials: other.credentials }),
    ];
    try {
      // Assess
      expect(other.credentials.accessKeyId).not.toBe(s3.credentials.accessKeyId);
      expect(other.credentials.secretAccessKey).not.toBe(s3.credentials.secretAccessKey);
      await expect(new ObjectStore(clients[0], BUCKET).putJson('k.json', 1)).rejects.toThrow(/PutObject/);
      await expect(new ObjectStore(clients[1], BUCKET).putJson('k.json', 1)).rejects.toThrow(/PutObject/);
      await new ObjectStore(clients[2], BUCKET).putJson('k.json', 1);
      expect(await new ObjectStore(clients[2], BUCKET).getJson('k.json')).toBe(1);
    } finally {
      for (const c of clients) c.destroy();
      await other.stop();
    }
  });

  it('restarts on the same dir and port with the data intact; keeps a caller-owned dir', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'regsweep-s3-restart-'));
    try {
      const a = await startS3Server({ dir, buckets: ['restart'] });
      const clientA = createS3Client({ endpoint: a.endpoint, credentials: a.credentials });
      await new ObjectStore(clientA, 'restart').putJson('sweeps/r/spec.json', { kept: true });
      clientA.destroy();
      await a.stop();
      await expect(fetch(`${a.endpoint}/restart/sweeps/r/spec.json`)).rejects.toThrow();
      expect(existsSync(dir)).toBe(true); // not ours to remove

      const b = await startS3Server({ dir, port: a.port, buckets: ['restart'], credentials: a.credentials });
      try {
        expect(b.port).toBe(a.port);
        expect(b.endpoint).toBe(a.endpoint);
        const clientB = createS3Client({ endpoint: b.endpoint, credentials: b.credentials });
        expect(await new ObjectStore(clientB, 'restart').getJson('sweeps/r/spec.json')).toEqual({ kept: true });
        clientB.destroy();
      } finally {
        await b.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('removes its own temp dir on stop; stop is idempotent', async () => {
    const srv = await startS3Server();
    expect(existsSync(srv.dir)).toBe(true);
    await Promise.all([srv.stop(), srv.stop()]);
    expect(existsSync(srv.dir)).toBe(false);
  });

  it('fails with a clear error including the child stderr when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startS3Server({ port })).rejects.toThrow(/exited before it was ready.*EADDRINUSE/s);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
