/**
 * Local input files (datasets, specs), checked before they are read: anything that is not a regular file is
 * refused at once (a directory; a FIFO, whose read would block until a writer comes; a device such as /dev/zero,
 * whose read never ends), and the caller compares the size with its limit before reading a byte. And files written
 * whole or not at all (writeFileAtomic).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A regular file's size in bytes, or why `path` is not a file to read (`no such file`, `is a directory`, ...). */
export function regularFileSize(path: string): { size: number } | { problem: string } {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : (code ?? (e as Error).message) };
  }
  if (st.isFile()) return { size: st.size };
  const kind = st.isDirectory()
    ? 'a directory'
    : st.isFIFO()
      ? 'a named pipe (FIFO)'
      : st.isCharacterDevice()
        ? 'a character device'
        : st.isBlockDevice()
          ? 'a block device'
          : st.isSocket()
            ? 'a socket'
            : 'not a file';
  return { problem: `is ${kind}, not a regular file` };
}

/** `104857600` -> `100 MB` (binary units, one decimal when needed). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}

/** Temp files of writeFileAtomic start with this (a reader listing a directory skips them). */
export const TEMP_FILE_PREFIX = '.regsweep-tmp-';
let tempCounter = 0;

/**
 * Writes `file` whole or not at all: the bytes go to a temp file beside it, are fsynced, and the temp file is renamed
 * over `file` (then the directory is fsynced, so the rename survives a crash). A write that fails (a full disk) or a
 * crash leaves the old `file` as it was, never a truncated one.
 */
export async function writeFileAtomic(file: string, body: Uint8Array | string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `${TEMP_FILE_PREFIX}${path.basename(file)}-${process.pid}-${++tempCounter}`);
  try {
    const handle = await fs.promises.open(tmp, 'wx');
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDirectory(dir);
}

/** Flushes a directory's entries (a rename into it) to disk; skipped where a directory cannot be opened or synced. */
async function fsyncDirectory(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(dir, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw e;
  } finally {
    await handle.close();
  }
}
