/**
 * One run per sweep: `regsweep local` holds `<out>/<sweepId>.lock` while it runs. The file is created
 * exclusively (O_EXCL) and holds the holder's pid and start time; a second run of the same sweep is refused at
 * once, naming the holder. A lock whose pid is not running (a run killed with SIGKILL, a machine that rebooted) is
 * stale: it is taken over, and the caller says so. The lock goes when released, and at the latest when the
 * process exits (its 'exit' event, so also after process.exit on a signal).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../shared/errors';

/** What a lock file holds. */
export interface LockHolder {
  readonly pid: number;
  /** ISO time the holder took the lock. */
  readonly started: string;
}

export interface SweepLock {
  readonly file: string;
  /** The holder of a stale lock that was taken over, if there was one. */
  readonly tookOver?: LockHolder | 'unreadable';
  release(): void;
}

/** Is a process with this pid running (EPERM: it is, as another user's)? */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return Number.isInteger(v.pid) && (v.pid as number) > 0 && typeof v.started === 'string' ? (v as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock of sweep `sweepId` in the directory `dir` (which exists).
 * @throws UsageError naming the holder when another running process holds it
 */
export function lockSweep(dir: string, sweepId: string, outArg: string): SweepLock {
  const file = path.join(dir, `${sweepId}.lock`);
  const holder: LockHolder = { pid: process.pid, started: new Date().toISOString() };
  let tookOver: SweepLock['tookOver'];
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      try {
        fs.writeSync(fd, JSON.stringify(holder) + '\n');
      } finally {
        fs.closeSync(fd);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw refused(readHolder(file), file, sweepId, outArg);
        throw new UsageError(`--out ${outArg}: cannot create the sweep's lock ${file}: ${(e as Error).message}`);
      }
      const other = readHolder(file);
      // A lock being written this instant has no content yet: give its writer a moment before judging it.
      if (!other && Date.now() - fs.statSync(file).mtimeMs < 2000) throw refused(undefined, file, sweepId, outArg);
      if (other && running(other.pid)) throw refused(other, file, sweepId, outArg);
      tookOver = other ?? 'unreadable';
      fs.rmSync(file, { force: true });
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    // Only our own lock: a lock taken over after ours was judged stale is not ours to remove.
    if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { file, ...(tookOver ? { tookOver } : {}), release };
}

function refused(holder: LockHolder | undefined, file: string, sweepId: string, outArg: string): UsageError {
  const who = holder ? `process ${holder.pid} (started ${holder.started})` : 'another process';
  return new UsageError(`--out ${outArg}: sweep ${sweepId} is already running in ${who}; wait for it to end, or give another --sweep-id (its lock: ${file})`);
}
