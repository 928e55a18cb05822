import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');

/** Run the real `regsweep` bin in a child process. */
export function regsweep(args: string[], opts: { env?: NodeJS.ProcessEnv; timeout?: number; input?: string } = {}) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'regsweep.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    timeout: opts.timeout ?? 120_000,
    input: opts.input,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** How a `regsweep` child process ended. */
export interface LocalRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the spawn to the exit. */
  ms: number;
}

/**
 * Run the real bin asynchronously (killed after 200 s), for a command that must be watched or signalled while it
 * runs: `onStderr` sees stderr as it grows (and may signal the child), `onSpawn` gets the child as it starts.
 */
export function spawnRegsweep(
  args: string[],
  onStderr?: (stderr: string, child: ChildProcess) => void,
  onSpawn?: (child: ChildProcess) => void,
): Promise<LocalRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, REGSWEEP_DEBUG: undefined };
    const t0 = Date.now();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'regsweep.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    onSpawn?.(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), 200_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** The `regsweep local ...` command a message gives to resume, as arguments for the bin (the tests' paths need no quoting). */
export function resumeArgs(stderr: string): string[] {
  const m = /to resume: regsweep (local .*)$/m.exec(stderr);
  if (!m) throw new Error(`no resume command in:\n${stderr}`);
  return m[1].split(' ');
}
