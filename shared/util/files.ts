/**
 * Local input files (datasets, specs), checked before they are read: anything that is not a regular file is
 * refused at once (a directory; a FIFO, whose read would block until a writer comes; a device such as /dev/zero,
 * whose read never ends), and the caller compares the size with its limit before reading a byte.
 */
import * as fs from 'node:fs';

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
