/**
 * Jest helper: a real local S3 server (local/s3server.ts, in a child process) for one test file.
 *
 *     const s3 = useLocalS3();            // at the top of a describe (or the file)
 *     it('...', async () => { await s3.store.putJson('k', 1); });
 *
 * The server starts in beforeAll with the bucket created, and stops (its temp dir removed) in afterAll.
 * `s3.store` is an ObjectStore on that bucket; `s3.endpoint` and `s3.credentials` are for
 * createS3Client({ endpoint, credentials }) or for handlers that build their own client.
 *
 * The server accepts one key pair: a fresh random one, or `credentials` when given. While the file runs, the pair
 * is also AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in this process's environment (restored afterwards), as a
 * user of `--s3-endpoint` exports it: the CLI runs and child processes of the file use it.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { startS3Server, type LocalS3Server } from '../../local/s3server';
import { createS3Client, ObjectStore, type S3Credentials } from '../../shared/store/s3';

export interface LocalS3 {
  readonly store: ObjectStore;
  readonly endpoint: string;
  readonly credentials: S3Credentials;
  readonly server: LocalS3Server;
  readonly bucket: string;
}

const CREDENTIAL_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

export function useLocalS3(bucket = 'regsweep-test', opts: { credentials?: S3Credentials } = {}): LocalS3 {
  let server: LocalS3Server | undefined;
  let client: S3Client | undefined;
  let store: ObjectStore | undefined;
  const saved: Partial<Record<(typeof CREDENTIAL_VARS)[number], string>> = {};

  beforeAll(async () => {
    server = await startS3Server({ buckets: [bucket], ...(opts.credentials ? { credentials: opts.credentials } : {}) });
    client = createS3Client({ endpoint: server.endpoint, credentials: server.credentials });
    store = new ObjectStore(client, bucket);
    for (const name of CREDENTIAL_VARS) saved[name] = process.env[name];
    process.env.AWS_ACCESS_KEY_ID = server.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = server.credentials.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
  });

  afterAll(async () => {
    for (const name of CREDENTIAL_VARS) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    client?.destroy();
    await server?.stop();
    server = undefined;
    client = undefined;
    store = undefined;
  });

  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`useLocalS3: ${what} is only available inside tests (after beforeAll)`);
    return v;
  };
  return {
    get store() {
      return need(store, 'store');
    },
    get endpoint() {
      return need(server, 'server').endpoint;
    },
    get credentials() {
      return need(server, 'server').credentials;
    },
    get server() {
      return need(server, 'server');
    },
    bucket,
  };
}

/** node:crypto's SHA-256 / HMAC-SHA256 in the shape @smithy/signature-v4 wants. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    if (secret === undefined) this.hash = createHash('sha256');
    else {
      const key =
        typeof secret === 'string'
          ? secret
          : ArrayBuffer.isView(secret)
            ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
            : Buffer.from(secret);
      this.hash = createHmac('sha256', key);
    }
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

export interface RawS3Request {
  readonly method: string;
  /** Already percent-encoded, e.g. `/bucket/a%20b`. */
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
  /** Sign with these credentials instead of the server's; `null` sends no Authorization at all. */
  readonly credentials?: S3Credentials | null;
  /** Sign as of this time (a skewed clock, an old request replayed). @default now */
  readonly signingDate?: Date;
  /** Changes the signed request before it is sent (e.g. another body): what an attacker or a broken proxy would do. */
  readonly tamper?: (req: { headers: Record<string, string>; body?: Buffer; query: Record<string, string> }) => void;
}

/**
 * One HTTP request to a local S3 server, signed with AWS Signature V4 as the SDK signs (payload SHA-256 in
 * x-amz-content-sha256): for what the SDK cannot send (tampered bodies, bad XML, unknown operations).
 */
export async function rawS3Request(
  endpoint: string,
  credentials: S3Credentials,
  req: RawS3Request,
): Promise<{ status: number; headers: Headers; body: Buffer; text: string }> {
  const url = new URL(endpoint);
  const query = { ...req.query };
  let headers: Record<string, string> = { host: url.host, ...req.headers };
  const creds = req.credentials === undefined ? credentials : req.credentials;
  if (creds) {
    const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
    const signed = await signer.sign(
      {
        method: req.method,
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: req.path,
        query,
        headers,
        body: req.body,
      },
      req.signingDate ? { signingDate: req.signingDate } : {},
    );
    headers = signed.headers;
  }
  const sent = { headers, body: req.body, query };
  req.tamper?.(sent);
  const qs = new URLSearchParams(sent.query).toString();
  const res = await fetch(`${endpoint}${req.path}${qs ? `?${qs}` : ''}`, {
    method: req.method,
    headers: Object.fromEntries(Object.entries(sent.headers).filter(([k]) => k !== 'host')),
    body: sent.body,
  });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, text: body.toString('utf8') };
}
