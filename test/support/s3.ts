/**
 * Jest helper: a real local S3 server (s3rver in a child process) for one test file.
 *
 *     const s3 = useLocalS3();            // at the top of a describe (or the file)
 *     it('...', async () => { await s3.store.putJson('k', 1); });
 *
 * The server starts in beforeAll with the bucket created, and stops (its temp dir removed) in afterAll.
 * `s3.store` is an ObjectStore on that bucket; `s3.endpoint` is for createS3Client({ endpoint }) or for
 * handlers that build their own client.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { startS3Server, type LocalS3Server } from '../../local/s3server';
import { createS3Client, ObjectStore } from '../../shared/store/s3';

export interface LocalS3 {
  readonly store: ObjectStore;
  readonly endpoint: string;
  readonly server: LocalS3Server;
  readonly bucket: string;
}

export function useLocalS3(bucket = 'regsweep-test'): LocalS3 {
  let server: LocalS3Server | undefined;
  let client: S3Client | undefined;
  let store: ObjectStore | undefined;

  beforeAll(async () => {
    server = await startS3Server({ buckets: [bucket] });
    client = createS3Client({ endpoint: server.endpoint });
    store = new ObjectStore(client, bucket);
  });

  afterAll(async () => {
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
    get server() {
      return need(server, 'server');
    },
    bucket,
  };
}
