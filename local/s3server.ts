/**
 * A real S3-compatible HTTP server on 127.0.0.1 (s3rver) for tests and the local harness.
 *
 * s3rver runs in a child process started with `--openssl-legacy-provider`: it encrypts ListObjectsV2
 * continuation tokens with DES, which Node 20's OpenSSL 3 refuses otherwise (every page after the first
 * would be a 500). The child prints `READY <port>` when listening; it exits on SIGTERM, when this process
 * exits, or when its stdin closes (this process died, even by SIGKILL), so it never outlives its parent and
 * never holds jest open (the child and its pipes are unref'd once ready).
 *
 * Credentials: the server accepts one key pair, fresh and random for each server unless the caller names one
 * (never s3rver's well-known S3RVER/S3RVER); clients get it from `credentials`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { S3Credentials } from '../shared/store/s3';

export interface LocalS3Server {
  /** `http://127.0.0.1:<port>`, for createS3Client({ endpoint, credentials }). */
  endpoint: string;
  /** The only key pair the server accepts. */
  credentials: S3Credentials;
  port: number;
  /** Where s3rver keeps the data (`<dir>/<bucket>/<key>._S3rver_object`). */
  dir: string;
  /** Stops the server and waits for its process to exit; removes `dir` only if it was a fresh temp dir. */
  stop(): Promise<void>;
}

export interface StartS3ServerOptions {
  /** Data directory; default a fresh temp dir (removed on stop). An existing dir keeps its data. */
  dir?: string;
  /** 0 (default) = a free port. */
  port?: number;
  /** Buckets to create at start (existing ones are kept). */
  buckets?: string[];
  /** How long to wait for the server to listen; default 20 s. */
  startTimeoutMs?: number;
  /** The key pair to accept (e.g. the same again after a restart); default a fresh random one. */
  credentials?: S3Credentials;
}

/** A random key pair, shaped like AWS's (20-char id, 40-char secret). */
function randomCredentials(): S3Credentials {
  return {
    accessKeyId: `LOCAL${randomBytes(8).toString('hex').toUpperCase().slice(0, 15)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
}

const SCRIPT_NAME = 's3rver-process.js';

/** Locates local/s3rver-process.js from source (ts via jest/tsx), a build next to it, or a bundle elsewhere. */
export function s3rverScriptPath(): string {
  const candidates = [
    process.env.REGSWEEP_S3RVER_SCRIPT,
    path.join(__dirname, SCRIPT_NAME),
    path.join(__dirname, '..', 'local', SCRIPT_NAME),
    path.join(process.cwd(), 'local', SCRIPT_NAME),
  ].filter((p): p is string => !!p);
  for (const p of candidates) {
    if (existsSync(p)) return p;
  }
  throw new Error(`cannot find ${SCRIPT_NAME}; looked in: ${candidates.join(', ')} (set REGSWEEP_S3RVER_SCRIPT)`);
}

/** Children still running, killed when this process exits (outside jest; under jest the stdin pipe does it). */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGTERM'); // it closes and removes its temp dir on its own
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function startS3Server(opts: StartS3ServerOptions = {}): Promise<LocalS3Server> {
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`startS3Server: bad port ${port}`);
  const ownDir = opts.dir === undefined;
  const dir = ownDir ? await mkdtemp(path.join(tmpdir(), 'regsweep-s3-')) : path.resolve(opts.dir as string);
  if (!ownDir) await mkdir(dir, { recursive: true });

  const args = ['--openssl-legacy-provider', s3rverScriptPath(), '--dir', dir, '--port', String(port)];
  for (const b of opts.buckets ?? []) args.push('--bucket', b);
  if (ownDir) args.push('--remove-dir-on-exit');
  const credentials = opts.credentials ?? randomCredentials();
  // NODE_OPTIONS is dropped: the child is plain JS and needs no loader (tsx) or inspector flags.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REGSWEEP_S3_ACCESS_KEY_ID: credentials.accessKeyId,
    REGSWEEP_S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
  live.add(child);
  installExitHook();
  child.once('exit', () => live.delete(child));

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 16_000) stderr += chunk;
  });
  child.stdin.on('error', () => {}); // EPIPE if the child died; its exit is reported elsewhere

  const cleanupOnFailure = async () => {
    child.kill('SIGKILL');
    await waitForExit(child, 5000);
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };

  let actualPort: number;
  try {
    actualPort = await new Promise<number>((resolve, reject) => {
      const timeoutMs = opts.startTimeoutMs ?? 20_000;
      let stdout = '';
      const timer = setTimeout(() => fail(new Error(`local S3 server did not start within ${timeoutMs} ms; stderr: ${stderr.trim() || '(empty)'}`)), timeoutMs);
      const onData = (chunk: string) => {
        stdout += chunk;
        const m = /^READY (\d+)$/m.exec(stdout);
        if (m) {
          done();
          resolve(Number(m[1]));
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        fail(new Error(`local S3 server exited before it was ready (code ${code}, signal ${signal}); stderr: ${stderr.trim() || '(empty)'}`));
      const onError = (e: Error) => fail(new Error(`cannot start local S3 server: ${e.message}`, { cause: e }));
      function done() {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        child.off('error', onError);
      }
      function fail(e: Error) {
        done();
        reject(e);
      }
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', onData);
      child.once('exit', onExit);
      child.once('error', onError);
    });
  } catch (e) {
    await cleanupOnFailure();
    throw e;
  }

  // Keep draining stdout (s3rver is silent, but a full pipe would block the child), and let this process
  // exit even if stop() is never called: the child then dies with it via the exit hook / closed stdin.
  child.stdout.resume();
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${actualPort}`,
    credentials,
    port: actualPort,
    dir,
    stop() {
      stopping ??= (async () => {
        child.kill('SIGTERM');
        await waitForExit(child, 5000);
        live.delete(child);
        if (ownDir) await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
