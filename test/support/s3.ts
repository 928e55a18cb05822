/**
 * Jest helper: a real local S3 server (s3rver in a child process) for one test file.
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
import type { S3Client } from '@aws-sdk/client-s3';
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
