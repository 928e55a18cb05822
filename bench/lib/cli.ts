/**
 * How a benchmark runs and reports: command-line flags, the output convention (human lines on stdout, then ONE
 * JSON line; progress on stderr), a temporary directory, the entry point, and re-running the script the way the
 * CLI runs (without tsx in the workers).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');

/** `--name value`, or the fallback. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** `--name 1,2,3` as numbers. */
export function numbers(name: string, fallback: number[]): number[] {
  const v = arg(name, '');
  if (!v) return fallback;
  const out = v.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isFinite(n))) throw new Error(`--${name}: expected numbers separated by commas, got ${v}`);
  return out;
}

/** Human lines, then one JSON line (the last line of stdout is always the JSON). */
export function emit(lines: readonly string[], json: Record<string, unknown>): void {
  for (const l of lines) process.stdout.write(l + '\n');
  process.stdout.write(JSON.stringify(json) + '\n');
}

/** Progress on stderr (stdout stays the figures). */
export const note = (line: string) => process.stderr.write(line + '\n');

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `regsweep-bench-${prefix}-`));
}

/** Run main, print a failure and set the exit code. */
export function run(main: () => Promise<void>): void {
  main().then(
    () => {
      // Workers are unref'd and the S3 server is stopped; anything left (e.g. an SDK socket) must not hold us.
      setTimeout(() => process.exit(process.exitCode ?? 0), 50).unref();
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}

/** tsx's loader flags in a process's execArgv (`tsx file.ts` starts node with --require preflight --import loader). */
const TSX_FLAG = /(^|[/\\])tsx([/\\]|$)|tsx\/dist/;
function tsxFlags(argv: readonly string[]): number[] {
  const at: number[] = [];
  for (let i = 0; i < argv.length; i++) {
    if ((argv[i] === '--require' || argv[i] === '-r' || argv[i] === '--import') && TSX_FLAG.test(argv[i + 1] ?? '')) at.push(i, i + 1);
    else if (/^--(require|import)=/.test(argv[i]) && TSX_FLAG.test(argv[i])) at.push(i);
  }
  return at;
}

/**
 * Worker threads inherit the parent's execArgv, so under `tsx bench/x.ts` every Lambda worker also loads tsx (its
 * hooks and source-map support: slower cold starts and error stacks), which `regsweep local` (bin/regsweep.js
 * requires tsx/cjs, execArgv stays empty) and Lambda do not. Re-run this script the CLI's way, keeping any other
 * flag (--cpu-prof, --expose-gc), unless --keep-tsx-in-workers. Returns true in the parent, which must stop.
 */
export function reexecLikeCli(file: string): boolean {
  const drop = tsxFlags(process.execArgv);
  if (drop.length === 0 || process.argv.includes('--keep-tsx-in-workers')) return false;
  const keep = process.execArgv.filter((_, i) => !drop.includes(i));
  const r = spawnSync(process.execPath, [...keep, '-e', "require('tsx/cjs'); require(process.argv[1])", file, ...process.argv.slice(2)], {
    stdio: 'inherit',
    cwd: REPO,
  });
  process.exitCode = r.status ?? 1;
  return true;
}

/** The port a server child prints as `READY <port>` on stdout (local/s3-server-process.js, bench/s3rver-process.js). */
export function readyPort(child: ChildProcess, name: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code})`)));
  });
}
