/** One `regsweep local` run as a whole process, timed from spawn to exit, with its stderr lines timestamped. */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO } from './cli';
import { loadNow, otherLoadMeter, type Load } from './machine';
import { since } from './stats';

export interface CliRun {
  readonly wallS: number;
  /** Seconds from spawn to the CLI's first line (imports, spec and dataset checks). */
  readonly firstLineS?: number;
  /** Seconds from spawn to the first progress line (harness start, plan, the first trials). */
  readonly firstProgressS?: number;
  /** Seconds from spawn to the last trial done. */
  readonly trialsDoneS?: number;
  readonly synthesized: boolean;
  readonly summary: {
    sweepId: string;
    backend: string;
    trials: { planned: number; succeeded: number };
    best: { label: string; lambda: number; regularization: string; meanValLoss: number };
    test: { loss: number; r2?: number; rows: number };
  };
  readonly load: Load;
  readonly outDir: string;
  readonly otherCores: number;
}

/**
 * Runs `node bin/regsweep.js ARGS` (ARGS must hold `--out DIR` and `--json`) with ENV added; rejects on a non-zero
 * exit.
 */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const outDir = args[args.indexOf('--out') + 1];
  return new Promise((resolve, reject) => {
    const others = otherLoadMeter();
    const t0 = performance.now();
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'regsweep.js'), ...args], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    });
    let stdout = '';
    let stderr = '';
    let firstLineS: number | undefined;
    let firstProgressS: number | undefined;
    let trialsDoneS: number | undefined;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      const text = c.toString();
      stderr += text;
      const now = since(t0) / 1000;
      if (firstLineS === undefined && /regsweep: sweep/.test(text)) firstLineS = now;
      const m = /trials (\d+)\/(\d+) done/g;
      for (let x = m.exec(text); x; x = m.exec(text)) {
        firstProgressS ??= now;
        if (x[1] === x[2]) trialsDoneS = now;
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallS = since(t0) / 1000;
      if (code !== 0) return reject(new Error(`regsweep local exited ${code}:\n${stderr.slice(-3000)}`));
      try {
        resolve({
          wallS,
          firstLineS,
          firstProgressS,
          trialsDoneS,
          synthesized: /synthesizing the CDK stack/.test(stderr),
          summary: JSON.parse(stdout) as CliRun['summary'],
          load: loadNow(),
          outDir,
          otherCores: others()?.otherCores ?? NaN,
        });
      } catch (e) {
        reject(new Error(`no JSON summary on stdout: ${(e as Error).message}\n${stdout.slice(0, 2000)}`));
      }
    });
  });
}
