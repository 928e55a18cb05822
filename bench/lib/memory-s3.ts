/** What-if: the bench-only in-memory S3 server, in place of the harness's s3rver. */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

/** The bench-only in-memory S3 server (bench/memory-s3-server.js); its file name marks its process for CPU accounting. */
const MEMORY_S3_SERVER = path.join(__dirname, '..', 'memory-s3-server.js');
export const MEMORY_S3_MARKER = 'memory-s3-server.js';

/** Starts the bench-only in-memory S3 server with the given buckets. */
export async function startMemoryS3(buckets: string[]): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [MEMORY_S3_SERVER, ...buckets], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`in-memory S3 server exited (${code})`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
