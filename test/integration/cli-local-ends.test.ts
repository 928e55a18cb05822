/**
 * `regsweep local` through the real bin, for the ways a run ends and starts (issue #24, items 2, 3, 4 and 8):
 * one run per sweep (a lock on <out>/<sweepId>, a stale one taken over), a killed local S3 server ends the sweep at
 * once with the command that resumes it, SIGTERM and SIGHUP are handled like SIGINT from the first millisecond,
 * --workers is capped to the sweep's batches, and any dataset file name is accepted (the format from its content).
 * Every child is killed when a test ends, passed or not.
 */
import { expect } from '@jest/globals';
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resumeArgs, spawnRegsweep, type LocalRun } from '../support/cli';
import { trialRecordsInDir } from '../support/reliability';
import { DATA_DIR, tinyDiabetesSpec } from '../support/tf';

jest.setTimeout(240_000);

type Run = LocalRun;

/** Children of the tests still running: killed after each test. */
const children = new Set<ChildProcess>();
afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
});

/** Runs the real bin through spawnRegsweep; the child is killed after the test if it still runs. */
const regsweep = (args: string[], onStderr?: (stderr: string, child: ChildProcess) => void, onSpawn?: (child: ChildProcess) => void) =>
  spawnRegsweep(args, onStderr, (child) => {
    children.add(child);
    child.on('close', () => children.delete(child));
    onSpawn?.(child);
  });

let tmp: string;
const diabetes = path.join(DATA_DIR, 'diabetes.csv');
function specFile(name: string, search: Record<string, unknown>, source = diabetes, extra: Record<string, unknown> = {}): string {
  const { sweepId: _omit, ...spec } = tinyDiabetesSpec('unused', source, search, extra);
  const file = path.join(tmp, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  return file;
}
/** 16 trials (none and 7 lambdas, 2 folds), one per batch: long enough on one worker to act while it runs. */
const longSearch = { types: ['l2'], lambda: { min: 0.01, max: 100, count: 7 } };
const longTraining = { training: { epochs: 20, learningRate: 0.05 } };

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-ends-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('one run per sweep', () => {
  it('refuses a second run of the same --out and --sweep-id at once (exit 2, naming the holder); the first finishes intact', async () => {
    // Prepare
    const spec = specFile('locked', longSearch, diabetes, longTraining);
    const out = path.join(tmp, 'locked-out');
    const args = ['local', '--spec', spec, '--out', out, '--sweep-id', 'locked', '--workers', '1'];
    let second: Promise<Run> | undefined;
    let firstPid: number | undefined;

    // Act: the second starts while the first trains
    const first = await regsweep(
      args,
      (stderr) => {
        if (!second && /trials \d+\/16 done/.test(stderr)) second = regsweep(args);
      },
      (child) => (firstPid = child.pid),
    );
    const refused = await second!;

    // Assess
    expect(refused.code).toBe(2);
    expect(refused.ms).toBeLessThan(20_000);
    expect(refused.stderr).toMatch(
      new RegExp(`^regsweep: error: --out ${out}: sweep locked is already running in process ${firstPid} \\(started \\d{4}-\\d\\d-\\d\\dT[^)]+\\)`, 'm'),
    );
    expect(refused.stderr).not.toMatch(/trials \d+\/16/);
    expect(first.code).toBe(0);
    const records = trialRecordsInDir(path.join(out, 'locked'));
    expect(records.size).toBe(16);
    for (const r of records.values()) expect(r?.status).toBe('succeeded');
    expect(fs.existsSync(path.join(out, 'locked.lock'))).toBe(false);
  });

  it('takes over a stale lock (its pid is not running) with a note, and runs', async () => {
    // Prepare: a lock left by a process that has ended
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    const out = path.join(tmp, 'stale-out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'stale.lock'), JSON.stringify({ pid, started: '2026-01-01T00:00:00.000Z' }));
    const spec = specFile('stale', { types: ['l2'], lambda: [1] });

    // Act
    const r = await regsweep(['local', '--spec', spec, '--out', out, '--sweep-id', 'stale', '--workers', '1']);

    // Assess
    expect(r.stderr).toContain(`regsweep: note: took over the lock of process ${pid} (started 2026-01-01T00:00:00.000Z): that process is not running`);
    expect(r.code).toBe(0);
    expect(trialRecordsInDir(path.join(out, 'stale')).size).toBe(4);
    expect(fs.existsSync(path.join(out, 'stale.lock'))).toBe(false);
  });
});

/** The pids of a process's children whose command line contains `needle` (from /proc). */
function childPids(parent: number, needle: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === parent && fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * Has the process installed a JS signal handler yet? Node.js catches SIGINT and SIGTERM natively from its start
 * (to reset the terminal, then die of the signal), but not SIGHUP: its bit in SigCgt (/proc/<pid>/status) marks
 * the moment the first JS handlers are in.
 */
function handlesSignals(pid: number): boolean {
  try {
    const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & BigInt(1 << (os.constants.signals.SIGHUP - 1))) !== 0n;
  } catch {
    return false;
  }
}

describe('every way a run ends is reported', () => {
  it('a killed local S3 server ends the sweep at once: exit 1, the cause, the data kept and the command that resumes, which finishes it', async () => {
    // Prepare
    const spec = specFile('s3-dies', longSearch, diabetes, longTraining);
    const out = path.join(tmp, 's3-dies-out');
    let killedAt = 0;

    // Act: SIGKILL the server at the first progress line
    const first = await regsweep(['local', '--spec', spec, '--out', out, '--sweep-id', 's3-dies', '--workers', '1'], (stderr, child) => {
      if (killedAt || !/trials \d+\/16 done/.test(stderr)) return;
      const [server] = childPids(child.pid!, 's3-server-process.js');
      if (server === undefined) return;
      process.kill(server, 'SIGKILL');
      killedAt = Date.now();
    });

    // Assess: within seconds, not trial after trial
    expect(killedAt).toBeGreaterThan(0);
    expect(first.code).toBe(1);
    expect(first.stderr).not.toMatch(/ECONNREFUSED|\n\s+at /);
    expect(first.stderr).toMatch(
      new RegExp(
        `^regsweep: sweep s3-dies stopped: the local S3 server \\(pid \\d+\\) ended unexpectedly \\(signal SIGKILL\\); its data is kept in ${path.join(out, 's3-dies.s3')}; to resume: regsweep local `,
        'm',
      ),
    );
    expect(Date.now() - killedAt).toBeLessThan(15_000);

    // Act: the printed command
    const again = await regsweep(resumeArgs(first.stderr));

    // Assess
    expect(again.code).toBe(0);
    expect(trialRecordsInDir(path.join(out, 's3-dies')).size).toBe(16);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s while the sweep runs stops it like Ctrl-C: exit %i, "interrupted" and the command that resumes', async (sig, code) => {
    const spec = specFile(`signal-${sig}`, longSearch, diabetes, longTraining);
    const out = path.join(tmp, `signal-${sig}-out`);
    let sent = false;
    const r = await regsweep(['local', '--spec', spec, '--out', out, '--sweep-id', 'signalled', '--workers', '1'], (stderr, child) => {
      if (!sent && /trials \d+\/16 done/.test(stderr)) {
        sent = true;
        child.kill(sig);
      }
    });
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(
      new RegExp(
        `^regsweep: interrupted: sweep signalled stopped before it finished; its data is kept in ${path.join(out, 'signalled.s3')}; to resume: regsweep local --spec ${spec} --out ${out} --sweep-id signalled --workers 1$`,
        'm',
      ),
    );
    expect(fs.existsSync(path.join(out, 'signalled.lock'))).toBe(false);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s in the first milliseconds: exit %i and a line saying so', async (sig, code) => {
    // Sent as soon as the process has a JS signal handler (at most 5 s): the first thing bin/regsweep.js does.
    const r = await regsweep(['local', '--out', path.join(tmp, `early-${sig}`)], undefined, (child) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        if (!handlesSignals(child.pid!) && Date.now() - t0 < 5000) return;
        clearInterval(poll);
        child.kill(sig);
      }, 2);
    });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(new RegExp(`^regsweep: interrupted \\(${sig}\\)`, 'm'));
  });
});

describe('--workers', () => {
  it('is capped to the sweep batches, with a note', async () => {
    const spec = specFile('one-batch', { types: ['l2'], lambda: [1] }, diabetes, { limits: { batchSize: 100 } });
    const r = await regsweep(['local', '--spec', spec, '--out', path.join(tmp, 'workers-out'), '--workers', '8', '--json']);
    expect(r.stderr).toMatch(/^regsweep: note: --workers 8: 1 used, the sweep has 1 batch of trials$/m);
    expect(r.code).toBe(0);
  });
});

describe('any dataset file name', () => {
  const table = fs.readFileSync(diabetes, 'utf8');
  const [header, ...rows] = table.trim().split('\n');
  const columns = header.split(',');
  const jsonl = rows.map((row) => JSON.stringify(Object.fromEntries(row.split(',').map((v, i) => [columns[i], Number(v)])))).join('\n') + '\n';
  it.each([
    ['with a space', 'my data.csv', table],
    ['unicode, tab-separated (.tsv)', 'données été.tsv', table.replace(/,/g, '\t')],
    ['.txt holding JSON Lines', 'data.txt', jsonl],
    ['no extension', 'data', table],
  ])('%s (%s) is read by its content, and the sweep runs', async (_what, name, content) => {
    const dir = fs.mkdtempSync(path.join(tmp, 'names-'));
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    const spec = specFile(`names-${path.basename(dir)}`, { types: ['l2'], lambda: [1] }, file);
    const out = path.join(dir, 'out');
    const r = await regsweep(['local', '--spec', spec, '--out', out, '--sweep-id', 'named', '--workers', '1', '--json']);
    expect(r.stderr).not.toMatch(/unsafe dataset name|\n\s+at /);
    expect(r.code).toBe(0);
    expect(trialRecordsInDir(path.join(out, 'named')).size).toBe(4);
    const stored = JSON.parse(fs.readFileSync(path.join(out, 'named', 'spec.json'), 'utf8')) as { dataset: { source: string } };
    expect(stored.dataset.source).toMatch(/^s3:\/\/regsweep-local\/datasets\/[A-Za-z0-9_][A-Za-z0-9._-]*\.(csv|jsonl)$/);
  });
});
