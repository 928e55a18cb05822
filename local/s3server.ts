/**
 * A real S3-compatible HTTP server on 127.0.0.1 for tests and the local harness: local/s3-server-process.js, in a
 * child process (plain JS, Node built-ins + @smithy/signature-v4), with its data on disk under `dir` (layout in
 * local/s3-disk.js). The child prints `READY <port>` when listening; it exits on SIGTERM, when this process exits,
 * or when its stdin closes (this process died, even by SIGKILL), so it never outlives its parent and never holds
 * jest open (the child and its pipes are unref'd once ready).
 *
 * Credentials: the server accepts one key pair (AWS Signature V4 checked on every request), fresh and random for
 * each server unless the caller names one; clients get it from `credentials`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
  /** Where the server keeps the data (`<dir>/<bucket>/<sha256 of the key>`, see local/s3-disk.js). */
  dir: string;
  /** What the server found wrong in `dir` at start: object files it treats as absent (short, unreadable). */
  warnings: readonly string[];
  /** The server's process id. */
  pid: number;
  /**
   * Calls `listener` once if the server's process ends on its own (killed, crashed), not after stop(): the
   * description says how (`exit code 1`, `signal SIGKILL`). Called at once if it has already ended so.
   */
  onUnexpectedExit(listener: (how: string) => void): void;
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

/** The server's script; also how tools find its process (e.g. for its CPU time). */
export const S3_SERVER_SCRIPT = 's3-server-process.js';

/** Locates local/s3-server-process.js from source (ts via jest/tsx), a build next to it, or a bundle elsewhere. */
export function s3ServerScriptPath(): string {
  const candidates = [
    process.env.REGSWEEP_S3_SERVER_SCRIPT,
    path.join(__dirname, S3_SERVER_SCRIPT),
    path.join(__dirname, '..', 'local', S3_SERVER_SCRIPT),
    path.join(process.cwd(), 'local', S3_SERVER_SCRIPT),
  ].filter((p): p is string => !!p);
  for (const p of candidates) {
    if (existsSync(p)) return p;
  }
  throw new Error(`cannot find ${S3_SERVER_SCRIPT}; looked in: ${candidates.join(', ')} (set REGSWEEP_S3_SERVER_SCRIPT)`);
}

/**
 * The bytes of the objects under `prefix` that a server keeps (or kept) in `dir` for `bucket`, by key: for tests and
 * tools that look into a `--keep` dir. Reads local/s3-disk.js's layout: one file per object named by the SHA-256 of
 * its key, a one-line JSON header (with the key), then the bytes.
 */
export function readStoredObjects(dir: string, bucket: string, prefix = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const bucketDir = path.join(dir, bucket);
  if (!existsSync(bucketDir)) return out;
  for (const f of readdirSync(bucketDir)) {
    if (!/^[0-9a-f]{64}$/.test(f)) continue;
    const buf = readFileSync(path.join(bucketDir, f));
    const newline = buf.indexOf(10);
    const { key } = JSON.parse(buf.subarray(0, newline).toString('utf8')) as { key: string };
    if (key.startsWith(prefix) && createHash('sha256').update(key).digest('hex') === f) out.set(key, buf.subarray(newline + 1));
  }
  return out;
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

  const args = [s3ServerScriptPath(), '--dir', dir, '--port', String(port)];
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

  const warnings: string[] = [];
  let actualPort: number;
  try {
    actualPort = await new Promise<number>((resolve, reject) => {
      const timeoutMs = opts.startTimeoutMs ?? 20_000;
      let stdout = '';
      const timer = setTimeout(() => fail(new Error(`local S3 server did not start within ${timeoutMs} ms; stderr: ${stderr.trim() || '(empty)'}`)), timeoutMs);
      const onData = (chunk: string) => {
        stdout += chunk;
        const m = /^READY (\d+)$/m.exec(stdout);
        if (m) for (const w of stdout.matchAll(/^WARN (.*)$/gm)) warnings.push(w[1]);
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

  // Keep draining stdout (the server is silent after READY, but a full pipe would block the child), and let this process
  // exit even if stop() is never called: the child then dies with it via the exit hook / closed stdin.
  child.stdout.resume();
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();

  let stopping: Promise<void> | undefined;
  let died: string | undefined;
  const onDeath: ((how: string) => void)[] = [];
  child.once('exit', (code, signal) => {
    if (stopping) return;
    died = signal ? `signal ${signal}` : `exit code ${code}`;
    for (const l of onDeath.splice(0)) l(died);
  });
  return {
    endpoint: `http://127.0.0.1:${actualPort}`,
    credentials,
    port: actualPort,
    dir,
    warnings,
    pid: child.pid as number,
    onUnexpectedExit(listener) {
      if (died !== undefined) listener(died);
      else if (!stopping) onDeath.push(listener);
    },
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
