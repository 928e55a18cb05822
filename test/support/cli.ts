import { spawnSync } from 'node:child_process';
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
