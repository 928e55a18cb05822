/**
 * `regsweep local` through the real bin, when things go wrong (issue #10): a failed sweep says so (exit 1, its
 * cause), --out is checked before anything runs, results are never lost (kept S3 data and a command that resumes)
 * nor mixed (another spec under the same sweep id is refused), a sweep that dies in PlanSweep shows its own error,
 * and Ctrl-C says "interrupted" (exit 130) with the command that resumes.
 */
import { expect } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resumeArgs, spawnRegsweep } from '../support/cli';
import { useLocalS3 } from '../support/s3';
import { trialRecordsInDir, trialRecordsOnDisk } from '../support/reliability';
import { DATA_DIR, tinyDiabetesSpec } from '../support/tf';
import type { TrialRecord } from '../../shared/study/records';

jest.setTimeout(240_000);

const BUCKET = 'regsweep-local';

const regsweep = spawnRegsweep;

/** The lines of stderr that are not progress: the sweep's header line and trial counts are left out. */
/** The lines of stderr that say something about the outcome: not progress, not the first run's synthesis of the stack. */
const messages = (stderr: string) =>
  stderr.split('\n').filter(
    (l) =>
      l &&
      !/^(dataset|columns|note): /.test(l) && // what becomes of the data's columns, printed before the sweep runs
      !/^ {2}\S/.test(l) &&
      !/^trials \d+\/\d+ done/.test(l) &&
      !/^regsweep: sweep \S+: \d+ trials on /.test(l) &&
      !/^synthesizing the CDK stack|^Bundling asset /.test(l),
  );

const succeeded = (records: Map<string, TrialRecord | undefined>) =>
  new Map([...records].filter(([, r]) => r?.status === 'succeeded') as [string, TrialRecord][]);

let tmp: string;
const diabetes = path.join(DATA_DIR, 'diabetes.csv');
/** A spec file on the diabetes data (tinyDiabetesSpec: 2 folds of a tiny MLP) with this search. */
function specFile(name: string, search: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const { sweepId: _omit, ...spec } = tinyDiabetesSpec('unused', diabetes, search, extra);
  const file = path.join(tmp, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  return file;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-trust-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('a failed sweep', () => {
  it('exits 1 with its cause in one line on stderr; with --json, one JSON object says it failed, why and where its records are', async () => {
    // Prepare: every l2 trial diverges (lambda 1e308), so the Distributed Map fails over its tolerated failures
    const spec = specFile('diverges', { types: ['l2'], lambda: [1e308] });
    const out = path.join(tmp, 'diverges-out');

    // Act
    const [plain, json] = await Promise.all([
      regsweep(['local', '--spec', spec, '--out', out, '--sweep-id', 'diverges', '--workers', '1']),
      regsweep(['local', '--spec', spec, '--out', out, '--sweep-id', 'diverges-json', '--workers', '1', '--json']),
    ]);

    // Assess
    expect(plain.code).toBe(1);
    expect(plain.stdout).toBe('');
    expect(messages(plain.stderr)).toEqual([
      // none's 2 trials succeed; the cause counts trials (Aggregate's count, batches or not)
      expect.stringMatching(
        /^regsweep: sweep diverges failed: States\.ExceedToleratedFailureThreshold: 2 of 4 trials failed \(2 with a failed record, 0 without a record\): 50% is over the tolerated 10%/,
      ),
    ]);
    expect(plain.stderr).toContain(path.join(out, 'diverges'));
    expect(json.code).toBe(1);
    const summary = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      status: 'FAILED',
      sweepId: 'diverges-json',
      error: 'States.ExceedToleratedFailureThreshold',
      results: path.join(out, 'diverges-json'),
    });
    expect(summary.cause).toMatch(/^2 of 4 trials failed \(2 with a failed record/);
    // the failed trials' records are where the summary says, each with its error
    const records = trialRecordsInDir(path.join(out, 'diverges-json'));
    // none, the baseline the grid adds, succeeds
    expect([...records.values()].filter((r) => r?.status === 'failed')).toHaveLength(2);
    for (const r of records.values()) expect(r?.status).toBe(r?.reg.type === 'none' ? 'succeeded' : 'failed');
  });
});

describe('--out', () => {
  it.each<[string, () => string, RegExp]>([
    [
      'an existing file',
      () => fs.writeFileSync(path.join(tmp, 'a-file'), 'x') ?? path.join(tmp, 'a-file'),
      /^regsweep: error: --out \S+a-file: is a file, not a directory$/,
    ],
    [
      'a path under a file',
      () => fs.writeFileSync(path.join(tmp, 'b-file'), 'x') ?? path.join(tmp, 'b-file', 'out'),
      /^regsweep: error: --out \S+b-file\/out: a parent of it is a file$/,
    ],
    [
      'a read-only place',
      () => {
        if (process.getuid?.() === 0) return '/sys/regsweep-out'; // root writes anywhere else
        const dir = path.join(tmp, 'read-only');
        fs.mkdirSync(dir, { mode: 0o555 });
        return path.join(dir, 'out');
      },
      /^regsweep: error: --out \S+: not writable$/,
    ],
  ])('refuses %s before anything runs (exit 2, naming --out)', async (_name, outPath, message) => {
    const r = await regsweep(['local', '--spec', specFile('out-check', { types: ['l2'], lambda: [1] }), '--out', outPath(), '--workers', '1']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]); // no trial ran, no harness started
  });

  it('when the results cannot be written after the trials ran, keeps them and gives the command that exports them again', async () => {
    // Prepare: trials/ of the sweep's output is a file, so the export fails after every trial has run
    const spec = specFile('export-fails', { types: ['l2'], lambda: [10] }); // with none, the baseline: 4 trials
    const out = path.join(tmp, 'export-fails-out');
    fs.mkdirSync(path.join(out, 'blocked'), { recursive: true });
    fs.writeFileSync(path.join(out, 'blocked', 'trials'), 'in the way');

    // Act
    const first = await regsweep(['local', '--spec', spec, '--out', out, '--sweep-id', 'blocked', '--workers', '2']);

    // Assess: exit 1, where the data is and how to export it again
    expect(first.code).toBe(1);
    const kept = path.join(out, 'blocked.s3');
    expect(messages(first.stderr)).toEqual([
      expect.stringMatching(
        /^regsweep: sweep blocked finished, but its results could not be written to \S+blocked: .*; its data is kept in \S+blocked\.s3; to resume: regsweep local /,
      ),
    ]);
    const keptRecords = succeeded(trialRecordsOnDisk(kept, BUCKET, 'blocked'));
    expect(keptRecords.size).toBe(4);

    // Act: the obstacle removed, the printed command
    fs.rmSync(path.join(out, 'blocked', 'trials'));
    const again = await regsweep(resumeArgs(first.stderr));

    // Assess: the results are written, no trial trained again, the kept data gone
    expect(again.stderr).not.toMatch(/\n\s+at /);
    expect(again.code).toBe(0);
    const records = trialRecordsInDir(path.join(out, 'blocked'));
    expect(records.size).toBe(4);
    for (const [id, r] of records) expect(r?.status === 'succeeded' && r.finishedAt).toBe(keptRecords.get(id)!.finishedAt);
    expect(fs.existsSync(path.join(out, 'blocked', 'report.html'))).toBe(true);
    expect(fs.existsSync(kept)).toBe(false);
  });
});

describe('the same --sweep-id again', () => {
  it('resumes the same spec, and refuses another spec (exit 2) before anything runs, in --out or in the kept S3 data', async () => {
    // Prepare: a sweep run once with --keep
    const specA = specFile('spec-a', { types: ['l2'], lambda: [10] }); // with none, the baseline: 4 trials
    const specB = specFile('spec-b', { types: ['l1'], lambda: [0.1, 10] });
    const out = path.join(tmp, 'same-id-out');
    const first = await regsweep(['local', '--spec', specA, '--out', out, '--sweep-id', 'same', '--workers', '2', '--keep']);
    expect(first.code).toBe(0);
    const exported = succeeded(trialRecordsInDir(path.join(out, 'same')));
    expect(exported.size).toBe(4);

    // Act + Assess: the same spec resumes (nothing trained again)
    const resumed = await regsweep(['local', '--spec', specA, '--out', out, '--sweep-id', 'same', '--workers', '2', '--keep']);
    expect(resumed.code).toBe(0);
    const again = succeeded(trialRecordsInDir(path.join(out, 'same')));
    expect(again.size).toBe(4);
    for (const [id, r] of again) expect(r.finishedAt).toBe(exported.get(id)!.finishedAt);

    // Act + Assess: another spec under the same id is refused, naming the directory and how to start afresh
    const other = await regsweep(['local', '--spec', specB, '--out', out, '--sweep-id', 'same', '--workers', '2']);
    expect(other.code).toBe(2);
    expect(other.stderr.trim().split('\n')).toEqual([
      `regsweep: error: sweep same already exists in ${path.join(out, 'same')} with a different spec: give another --sweep-id to start a new sweep, or remove ${path.join(out, 'same')}`,
    ]);
    expect(fs.existsSync(path.join(out, 'same.s3'))).toBe(false); // refused before the harness started

    // the exported directory removed, the kept S3 data still refuses it
    fs.rmSync(path.join(out, 'same'), { recursive: true });
    const inS3 = await regsweep(['local', '--spec', specB, '--out', out, '--sweep-id', 'same', '--workers', '2', '--keep']);
    expect(inS3.code).toBe(2);
    expect(messages(inS3.stderr).filter((l) => !/synthesizing|Bundling/.test(l))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^regsweep: error: sweep same already exists in ${path.join(out, 's3')} with a different spec: give another --sweep-id .*, or remove ${path.join(out, 's3')}`,
        ),
      ),
    ]);
    expect(inS3.stderr).not.toMatch(/trials \d+\/\d+ done/);
    expect(fs.existsSync(path.join(out, 'same'))).toBe(false); // nothing exported: nothing ran

    // the records of sweep A in the kept data are untouched (no l1 trial among them)
    const inBucket = trialRecordsOnDisk(path.join(out, 's3'), BUCKET, 'same');
    expect(new Set(inBucket.keys())).toEqual(new Set(exported.keys()));
  });
});

describe('a sweep that dies in PlanSweep', () => {
  const s3 = useLocalS3(BUCKET);

  it('shows the sweep\'s own error and cause (exit 1), not "nothing to export"', async () => {
    // Prepare: a dataset already in S3 (so the local check is bypassed) that PlanSweep rejects
    await s3.store.putText('datasets/bad.csv', 'x1,x2,y\n1,2,3\n4,oops,6\n7,8,9\n', 'text/csv');
    const spec = path.join(tmp, 'plan-fails.json');
    fs.writeFileSync(
      spec,
      JSON.stringify({
        ...JSON.parse(fs.readFileSync(specFile('x', { types: ['l2'], lambda: [1] }), 'utf8')),
        dataset: { source: `s3://${BUCKET}/datasets/bad.csv`, target: 'y', task: 'regression' },
      }),
    );
    const out = path.join(tmp, 'plan-fails-out');

    // Act
    const [plain, json] = await Promise.all([
      regsweep(['local', '--spec', spec, '--out', out, '--sweep-id', 'plan-fails', '--s3-endpoint', s3.endpoint, '--workers', '1']),
      regsweep(['local', '--spec', spec, '--out', out, '--sweep-id', 'plan-fails-json', '--s3-endpoint', s3.endpoint, '--workers', '1', '--json']),
    ]);

    // Assess
    expect(plain.code).toBe(1);
    expect(plain.stderr).not.toMatch(/not found|nothing under/);
    expect(messages(plain.stderr)).toEqual([
      expect.stringMatching(/^regsweep: sweep plan-fails failed: DatasetError: .*bad\.csv row 2 \(line 3\), column "x2": not a number: "oops"/),
    ]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'FAILED',
      sweepId: 'plan-fails-json',
      error: 'DatasetError',
      cause: expect.stringMatching(/bad\.csv row 2/),
    });
  });
});

describe('Ctrl-C', () => {
  it('says "interrupted", exits 130 and prints the command that resumes; that command finishes the sweep without training again', async () => {
    // Prepare: 16 trials (none and 7 lambdas, 2 folds) on one worker, interrupted at the first progress line
    const spec = specFile('interrupted', { types: ['l2'], lambda: { min: 0.01, max: 100, count: 7 } }, { training: { epochs: 20, learningRate: 0.05 } });
    const out = path.join(tmp, 'interrupted-out');
    let sent = false;

    // Act
    const first = await regsweep(['local', '--spec', spec, '--out', out, '--workers', '1'], (stderr, child) => {
      if (!sent && /trials \d+\/16 done/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });

    // Assess
    expect(first.code).toBe(130);
    expect(first.stdout).toBe('');
    expect(first.stderr).not.toMatch(/ExceedToleratedFailureThreshold|16\/16 done|\n\s+at /);
    const sweepId = /^regsweep: sweep (\S+): 16 trials/m.exec(first.stderr)![1];
    expect(messages(first.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^regsweep: interrupted: sweep ${sweepId} stopped before it finished; its data is kept in ${path.join(out, `${sweepId}.s3`)}; to resume: regsweep local `,
        ),
      ),
    ]);
    expect(resumeArgs(first.stderr)).toEqual(['local', '--spec', spec, '--out', out, '--sweep-id', sweepId, '--workers', '1']);
    const before = succeeded(trialRecordsOnDisk(path.join(out, `${sweepId}.s3`), BUCKET, sweepId));
    expect(before.size).toBeGreaterThanOrEqual(1);
    expect(before.size).toBeLessThan(16);

    // Act: the printed command
    const again = await regsweep(resumeArgs(first.stderr));

    // Assess: every trial done, those done before not trained again
    expect(again.stderr).not.toMatch(/\n\s+at /);
    expect(again.code).toBe(0);
    const after = trialRecordsInDir(path.join(out, sweepId));
    expect(after.size).toBe(16);
    for (const [id, r] of after) {
      expect(r?.status).toBe('succeeded');
      if (before.has(id)) expect(r?.status === 'succeeded' && r.finishedAt).toBe(before.get(id)!.finishedAt);
    }
    expect(fs.existsSync(path.join(out, `${sweepId}.s3`))).toBe(false);
  });
});
