/**
 * The cloud commands (upload-dataset, start, status, results) through the real bin, with nothing reaching AWS:
 * S3 is the local S3 server (--s3-endpoint), Step Functions and CloudFormation are the stub in
 * test/support/aws-stub.ts, which the real SDK clients reach through AWS_ENDPOINT_URL_SFN /
 * AWS_ENDPOINT_URL_CLOUDFORMATION. The child runs with fake credentials, no profile, no instance metadata.
 */
import { expect } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StartResult } from '../../cli/cloud/start';
import type { SweepSummaryJson } from '../../cli/summary';
import { AwsSetupError, DEFAULT_STACK_NAME, STACK_OUTPUTS, explainAwsError, redactSecrets } from '../../cli/aws';
import { configId, configLabel, type RegConfig } from '../../shared/search/grid';
import { batchKeyOf, bestKey, leaderboardKey, manifestKey, trialPartKey } from '../../shared/store/layout';
import type { BestRecord } from '../../shared/study/best';
import type { ConfigSummary, Leaderboard } from '../../shared/study/leaderboard';
import { FAKE_CREDENTIALS, STUB_REGION, useAwsStub, type StubExecution } from '../support/aws-stub';
import { regsweep } from '../support/cli';
import { useLocalS3 } from '../support/s3';

const BUCKET = 'regsweep-cloud-test';
// The local server accepts the fake key pair the CLI runs with.
const s3 = useLocalS3(BUCKET, {
  credentials: { accessKeyId: FAKE_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: FAKE_CREDENTIALS.AWS_SECRET_ACCESS_KEY },
});
const aws = useAwsStub();
const ACCOUNT = '123456789012';
const STATE_MACHINE = `arn:aws:states:${STUB_REGION}:${ACCOUNT}:stateMachine:WorkflowStateMachineA1B2C3`;
const executionArn = (name: string) => `arn:aws:states:${STUB_REGION}:${ACCOUNT}:execution:WorkflowStateMachineA1B2C3:${name}`;
const DIABETES = path.join('examples', 'data', 'diabetes.csv');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-cloud-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeEach(async () => {
  await aws.reset();
  await aws.setStack(DEFAULT_STACK_NAME, { BucketName: BUCKET, StateMachineArn: STATE_MACHINE, TopicArn: `arn:aws:sns:${STUB_REGION}:${ACCOUNT}:alarms` });
});

type Result = ReturnType<typeof regsweep>;
const outputs: Result[] = [];
/** Run the bin against the stub and the local S3 server; every output is kept for the no-secrets check. */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Result {
  const r = regsweep(args, { env: aws.env(env) });
  outputs.push(r);
  return r;
}
const s3flags = () => ['--s3-endpoint', s3.endpoint];
const bucketFlags = () => ['--bucket', BUCKET, ...s3flags()];

function writeFile(name: string, content: string | object): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** Exit `code` with exactly one `regsweep: ...` line on stderr (progress notes may precede it), no stack trace. */
const expectOneLineError = (r: Result, code: number, message: RegExp) => {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr: expect.stringMatching(message) });
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('regsweep:'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
};

// ---------------------------------------------------------------------------------------------- fixtures

function summary(rank: number, reg: RegConfig, meanValLoss: number, extra: Partial<ConfigSummary> = {}): ConfigSummary {
  return {
    rank,
    configId: configId(reg),
    label: configLabel(reg),
    reg,
    folds: { succeeded: 3, planned: 3 },
    meanValLoss,
    stdErr: 0.1,
    meanTrainLoss: meanValLoss * 0.8,
    meanGap: meanValLoss * 0.2,
    meanR2: 1 - meanValLoss / 10,
    meanSparsity: 0,
    meanBestEpoch: 30,
    meanDurationMs: 1200,
    selectedFeatures: ['age', 'bmi'],
    ...extra,
  };
}

function leaderboard(sweepId: string): Leaderboard {
  const configs = Array.from({ length: 12 }, (_, i) => summary(i + 1, { type: 'l2', lambda: 2 ** i, dropoutRate: 0, l1Ratio: 0 }, 3 + i * 0.2));
  configs[1] = summary(2, { type: 'l1', lambda: 4, dropoutRate: 0, l1Ratio: 1 }, 3.05, { meanSparsity: 0.6, selectedFeatures: ['bmi', 's5'] });
  return {
    schemaVersion: 1,
    sweepId,
    rule: 'one-standard-error',
    task: 'regression',
    trials: { planned: 36, succeeded: 36, failed: 0, missing: 0 },
    configs,
    incomplete: [],
    best: configs[1],
    missingTrialIds: [],
    failedTrials: [],
    backend: 'tensorflow',
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

function bestRecord(board: Leaderboard): BestRecord {
  return {
    schemaVersion: 1,
    sweepId: board.sweepId,
    task: 'regression',
    target: 'progression',
    rule: board.rule,
    config: board.best,
    label: board.best.label,
    epochs: 30,
    rows: { train: 354, test: 88 },
    test: { loss: 3.2, r2: 0.48 },
    train: { loss: 2.9, r2: 0.52 },
    standardizer: { features: ['age', 'sex', 'bmi', 's5'], mean: [0, 0, 0, 0], std: [1, 1, 1, 1] },
    sparsity: 0.5,
    selectedFeatures: ['bmi', 's5'],
    model: {
      modelJson: `s3://${BUCKET}/sweeps/${board.sweepId}/best/model.json`,
      weights: `s3://${BUCKET}/sweeps/${board.sweepId}/best/weights.bin`,
      outputActivation: 'linear',
    },
    backend: 'tensorflow',
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

// ---------------------------------------------------------------------------------------------- tests

describe('cloud plumbing', () => {
  it("the stack name and output keys are the infra's", async () => {
    const { DEFAULT_STACK_NAME: infraName, STACK_OUTPUTS: OUTPUTS } = await import('../../infra/contract');
    expect(DEFAULT_STACK_NAME).toBe(infraName);
    expect(STACK_OUTPUTS).toEqual(OUTPUTS);
  });

  it('explains AWS errors in one line and redacts secrets', () => {
    expect(
      explainAwsError(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), 'x'),
    ).toBeInstanceOf(AwsSetupError);
    expect(explainAwsError(new Error('Region is missing'), 'x').message).toMatch(/no AWS region: set AWS_REGION .* or pass --region/);
    const denied = explainAwsError(
      Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }),
      'Step Functions StartExecution',
    );
    expect(denied).not.toBeInstanceOf(AwsSetupError);
    expect(denied.message).toBe('access denied: Step Functions StartExecution: User is not authorized');
    expect(redactSecrets(`key ${FAKE_CREDENTIALS.AWS_SECRET_ACCESS_KEY} end`)).toBe('key *** end');
  });
});

describe('regsweep upload-dataset', () => {
  it('validates the file, stores it byte for byte under datasets/ in --bucket, prints the URI (no stack lookup)', async () => {
    const r = run(['upload-dataset', DIABETES, '--target', 'progression', ...bucketFlags()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`s3://${BUCKET}/datasets/diabetes.csv\n`);
    expect(r.stderr).toMatch(/diabetes\.csv: 442 rows, 10 features, target progression \(regression\)/);
    const stored = await s3.store.getBytes('datasets/diabetes.csv');
    expect(Buffer.from(stored!.body).equals(fs.readFileSync(DIABETES))).toBe(true);
    expect(await aws.requests()).toEqual([]);
  });

  it("reads the bucket from the stack's outputs; --name names the object; JSONL checked for structure without --target", async () => {
    const file = writeFile('rows.jsonl', '{"x": 1, "y": 2}\n{"x": 2, "y": 4}\n{"x": 3, "y": 6}\n');
    const r = run(['upload-dataset', file, '--name', 'doubling.jsonl', ...s3flags()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`s3://${BUCKET}/datasets/doubling.jsonl\n`);
    expect(r.stderr).toMatch(/valid JSONL \(pass --target COLUMN to also check the values\)/);
    expect(await s3.store.getText('datasets/doubling.jsonl')).toBe(fs.readFileSync(file, 'utf8'));
    const [describe] = await aws.requests('DescribeStacks');
    expect(describe.body).toMatchObject({ Action: 'DescribeStacks', StackName: 'Regsweep' });
    // signed by the SDK with the fake key for the stub's region: the real client, pointed at the stub
    expect(describe.credential).toMatch(new RegExp(`^${FAKE_CREDENTIALS.AWS_ACCESS_KEY_ID}/\\d{8}/${STUB_REGION}/cloudformation/aws4_request$`));
  });

  it('without --target checks the structure, not the values: a text column passes; the rows and columns are counted', () => {
    const file = writeFile('labels.csv', 'id,x,y\nalpha,1,2\nbeta,2,4\ngamma,3,6\n');
    const r = run(['upload-dataset', file, ...bucketFlags()]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/labels\.csv: 3 rows, 3 columns: valid CSV \(pass --target COLUMN to also check the values\)/);
    expect(r.stdout).toBe(`s3://${BUCKET}/datasets/labels.csv\n`);
  });

  it.each<[string, () => string[], RegExp]>([
    [
      'a CSV row with a missing field, naming the row',
      () => [writeFile('short.csv', 'a,b,y\n1,2,3\n4,5\n6,7,8\n')],
      /short\.csv row 2 \(line 3\): expected 3 fields \(as in the header\), got 2/,
    ],
    [
      'a bad value with --target, naming the row and column',
      () => [writeFile('cells.csv', 'a,y\n1,2\nx,3\n5,6\n'), '--target', 'y'], // mostly numbers: the text cell is an error
      /cells\.csv row 2 \(line 3\), column "a": not a number: "x"/,
    ],
    ['an unsafe --name', () => [writeFile('ok.csv', 'a,y\n1,2\n3,4\n'), '--name', '../escape.csv'], /--name: unsafe dataset name "\.\.\/escape\.csv"/],
    [
      'without --target, a file with one column (no room for a target and a feature)',
      () => [writeFile('one.csv', 'y\n1\n2\n3\n')],
      /one\.csv line 1: one column \("y"\) besides "split": a dataset needs a target column and at least one feature column/,
    ],
  ])('refuses %s: exit 2, nothing uploaded, no AWS call', async (_name, args, message) => {
    const before = await s3.store.listKeys('datasets/');
    expectOneLineError(run(['upload-dataset', ...args(), ...s3flags()]), 2, message);
    expect(await s3.store.listKeys('datasets/')).toEqual(before);
    expect(await aws.requests()).toEqual([]);
  });
});

describe('regsweep start', () => {
  const spec = {
    dataset: { source: DIABETES, target: 'progression', task: 'regression' },
    validation: { folds: 3 },
    search: { types: ['l1', 'l2'], lambda: [0.1, 1, 10] },
    selection: { rule: 'one-standard-error' },
  };

  it('uploads the local dataset, then starts an execution named after the sweep with the rewritten spec as input', async () => {
    const file = writeFile('start.json', spec);
    const r = run(['start', '--spec', file, '--sweep-id', 'diabetes-cloud-1', ...s3flags()]);
    expect(r.stderr).not.toMatch(/error|failed/);
    expect(r.code).toBe(0);
    const arn = executionArn('diabetes-cloud-1');
    expect(r.stdout).toMatch(new RegExp(`execution\\s+${arn}`));
    expect(r.stdout).toMatch(/sweep\s+diabetes-cloud-1/);
    expect(r.stdout).toMatch(/trials\s+7 configs x 3 folds = 21/); // none, the baseline, added to l1 and l2 x 3
    // the cost estimate for the settings in cdk.json, before the execution starts
    expect(r.stdout).toMatch(/cost:\s+about \$[\d.]+ \(us-east-1 prices read \d{4}-\d\d-\d\d;/);
    expect(r.stdout).toMatch(/21 batches of up to 1 trial .*, 24 Lambda requests, .* 48 Step Functions transitions/);
    expect(r.stdout).toContain(`npx regsweep status ${arn}`);
    expect(r.stdout).toContain('npx regsweep results diabetes-cloud-1');

    const stored = await s3.store.getBytes('datasets/diabetes.csv');
    expect(Buffer.from(stored!.body).equals(fs.readFileSync(DIABETES))).toBe(true);
    const [started] = await aws.requests('StartExecution');
    expect(started.body.stateMachineArn).toBe(STATE_MACHINE);
    expect(started.body.name).toBe('diabetes-cloud-1');
    expect(JSON.parse(started.body.input as string)).toEqual({
      ...spec,
      sweepId: 'diabetes-cloud-1',
      dataset: { ...spec.dataset, source: `s3://${BUCKET}/datasets/diabetes.csv` },
    });
    expect(started.credential).toMatch(new RegExp(`/${STUB_REGION}/states/aws4_request$`));
  });

  it('refuses a sweep over limits.maxCostUsd before any AWS call, naming the limit and the estimate', async () => {
    const file = writeFile('over-budget.json', { ...spec, limits: { maxCostUsd: 0.0001 } });
    const r = run(['start', '--spec', file, ...s3flags()]);
    expectOneLineError(r, 2, /over-budget\.json: limits\.maxCostUsd is \$0\.00010 but this sweep is estimated at \$0\.\d+ \(21 trials/);
    expect(await aws.requests()).toEqual([]);
  });

  it('without a sweep id generates one; starting the same sweep again resumes it unless it is still running', async () => {
    const file = writeFile('fresh.json', spec);
    const first = run(['start', '--spec', file, '--json', ...s3flags()]);
    expect(first.code).toBe(0);
    const j = JSON.parse(first.stdout) as StartResult;
    expect(j.sweepId).toMatch(/^diabetes-\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(j).toMatchObject({
      executionArn: executionArn(j.sweepId),
      executionName: j.sweepId,
      dataset: `s3://${BUCKET}/datasets/diabetes.csv`,
      trials: 21,
      resumed: false,
      cost: { trials: 21, batches: 21, childType: 'STANDARD', stepFunctions: { transitions: 6 + 21 + 21 } },
    });
    expect((JSON.parse((await aws.requests('StartExecution'))[0].body.input as string) as { sweepId: string }).sweepId).toBe(j.sweepId);

    // the first execution is still RUNNING in the stub
    const again = [...['start', '--spec', file, '--sweep-id', j.sweepId], ...s3flags()];
    expectOneLineError(run(again), 2, new RegExp(`sweep ${j.sweepId} is already running: ${executionArn(j.sweepId)}`));

    await aws.setExecution({
      executionArn: executionArn(j.sweepId),
      stateMachineArn: STATE_MACHINE,
      name: j.sweepId,
      status: 'FAILED',
      startDate: '2025-01-01T00:00:00Z',
      stopDate: '2025-01-01T00:10:00Z',
      error: 'SweepFailed',
    });
    const resumed = run(again);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/resumed: trials whose record exists are skipped/);
    expect(resumed.stderr).toMatch(/already holds .*: not uploaded again/);
    const starts = await aws.requests('StartExecution');
    const last = starts[starts.length - 1];
    expect(last.body.name).toMatch(new RegExp(`^${j.sweepId}-r[0-9a-z]+$`));
    expect((JSON.parse(last.body.input as string) as { sweepId: string }).sweepId).toBe(j.sweepId);
  });

  it.each<[string, object, RegExp]>([
    [
      'a local dataset that does not exist',
      { ...spec, dataset: { ...spec.dataset, source: 'nope/absent.csv' } },
      /dataset\.source nope\/absent\.csv: no such file/,
    ],
    ['a dataset that does not fit the spec', { ...spec, dataset: { ...spec.dataset, target: 'nope' } }, /target column "nope" not found/],
  ])('refuses %s before any AWS call: exit 2', async (_name, body, message) => {
    expectOneLineError(run(['start', '--spec', writeFile('bad-start.json', body), ...s3flags()]), 2, message);
    expect(await aws.requests()).toEqual([]);
  });

  it("refuses an s3:// source outside the stack's bucket, and one that is not uploaded", async () => {
    const other = writeFile('other.json', { ...spec, dataset: { ...spec.dataset, source: 's3://another-bucket/datasets/diabetes.csv' } });
    expectOneLineError(
      run(['start', '--spec', other, ...s3flags()]),
      2,
      /is in bucket "another-bucket", but sweeps read datasets from the stack's bucket "regsweep-cloud-test"/,
    );
    const absent = writeFile('absent.json', { ...spec, dataset: { ...spec.dataset, source: `s3://${BUCKET}/datasets/never-uploaded.csv` } });
    expectOneLineError(run(['start', '--spec', absent, ...s3flags()]), 2, /never-uploaded\.csv not found \(upload it with regsweep upload-dataset\)/);
    expect(await aws.requests('StartExecution')).toEqual([]);
  });
});

describe('regsweep status', () => {
  const base = (name: string, over: Partial<StubExecution>): StubExecution => ({
    executionArn: executionArn(name),
    stateMachineArn: STATE_MACHINE,
    name,
    status: 'RUNNING',
    startDate: '2025-03-01T10:00:00Z',
    input: JSON.stringify({ sweepId: name, dataset: { source: `s3://${BUCKET}/datasets/diabetes.csv`, target: 'progression', task: 'regression' } }),
    ...over,
  });

  it('SUCCEEDED: the chosen config, the test score and the trial counts; --json too; exit 0', async () => {
    const output = {
      sweepId: 'done-1',
      aggregate: {
        sweepId: 'done-1',
        trials: { planned: 18, succeeded: 17, failed: 1, missing: 0 },
        corrupt: 0,
        best: { configId: 'l1-x', label: 'l1 λ=1', meanValLoss: 2900.5, stdErr: 120 },
      },
      refit: { sweepId: 'done-1', label: 'l1 λ=1', test: { loss: 3012.25, r2: 0.481 }, modelUri: `s3://${BUCKET}/sweeps/done-1/best/model.json` },
    };
    await aws.setExecution(base('done-1', { status: 'SUCCEEDED', stopDate: '2025-03-01T10:12:30Z', output: JSON.stringify(output) }));
    const r = run(['status', executionArn('done-1')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/status\s+SUCCEEDED/);
    expect(r.stdout).toMatch(/stopped\s+2025-03-01T10:12:30.000Z \(12m 30s\)/);
    expect(r.stdout).toMatch(/chosen\s+l1 λ=1 \(mean val loss 2901 ± 120\)/);
    expect(r.stdout).toMatch(/test\s+loss 3012, R² 0.481/);
    expect(r.stdout).toMatch(/trials\s+17\/18 succeeded, 1 failed, 0 missing/);
    expect(r.stdout).toMatch(/next\s+npx regsweep results done-1/);

    const j = run(['status', executionArn('done-1'), '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({
      executionArn: executionArn('done-1'),
      sweepId: 'done-1',
      status: 'SUCCEEDED',
      startDate: '2025-03-01T10:00:00.000Z',
      output,
    });
    // the SDK was sent to the execution's region, signed with the fake key
    expect((await aws.requests('DescribeExecution'))[0].credential).toMatch(new RegExp(`/${STUB_REGION}/states/aws4_request$`));
  });

  it('FAILED: the error and cause on stdout, one line on stderr, exit 1', async () => {
    const cause = `More than 10% of the 18 trials failed. Failed trials wrote their records under s3://${BUCKET}/sweeps/bad-1/trials/`;
    await aws.setExecution(base('bad-1', { status: 'FAILED', stopDate: '2025-03-01T10:05:00Z', error: 'States.ExceedToleratedFailureThreshold', cause }));
    const r = run(['status', executionArn('bad-1')]);
    expect(r.stdout).toMatch(/status\s+FAILED/);
    expect(r.stdout).toMatch(/error\s+States\.ExceedToleratedFailureThreshold/);
    expect(r.stdout).toContain(cause);
    expectOneLineError(r, 1, /^regsweep: failed: execution bad-1 FAILED: States\.ExceedToleratedFailureThreshold$/m);
  });

  it('RUNNING: progress is the trial records in the bucket against the manifest', async () => {
    const id = 'running-1';
    const reg: RegConfig = { type: 'l2', lambda: 1, dropoutRate: 0, l1Ratio: 0 };
    const items = Array.from({ length: 6 }, (_, i) => ({
      sweepId: id,
      trialId: `t-${String(i).padStart(16, '0')}`,
      configId: configId(reg),
      fold: i % 3,
      seed: i,
      reg,
    }));
    await s3.store.putJson(manifestKey(id), items);
    await s3.store.putJson(trialPartKey(id, batchKeyOf(items[0].trialId, items.length), 2), {}); // a part of 2 records: counted from its name, never read
    await aws.setExecution(base(id, {}));
    const r = run(['status', executionArn(id), ...s3flags()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/status\s+RUNNING/);
    expect(r.stdout).toMatch(/progress\s+2\/6 trial records written \(33%\)/);
  });

  it("RUNNING without a sweepId in the input: PlanSweep's output in the history names it", async () => {
    await aws.setExecution(base('sched-1', { input: JSON.stringify({ dataset: { source: `s3://${BUCKET}/datasets/diabetes.csv` } }) }));
    await aws.setHistory(executionArn('sched-1'), [
      { timestamp: 1740823200, type: 'ExecutionStarted', id: 1 },
      {
        timestamp: 1740823260,
        type: 'TaskStateExited',
        id: 5,
        stateExitedEventDetails: { name: 'PlanSweep', output: JSON.stringify({ sweepId: 'planned-7', trialCount: 6 }) },
      },
    ]);
    const r = run(['status', executionArn('sched-1'), ...s3flags()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sweep\s+planned-7/);
    expect(r.stdout).toMatch(/progress\s+0 trial records written \(still planning/);
  });

  it('refuses a malformed ARN and an unknown execution: exit 2', () => {
    expectOneLineError(run(['status', 'not-an-arn']), 2, /EXECUTION_ARN must be a Step Functions execution ARN/);
    expectOneLineError(run(['status', executionArn('ghost')]), 2, new RegExp(`execution not found in ${STUB_REGION}: ${executionArn('ghost')}`));
  });
});

describe('regsweep results', () => {
  const id = 'results-1';
  beforeAll(async () => {
    const board = leaderboard(id);
    await s3.store.putJson(leaderboardKey(id), board);
    await s3.store.putJson(bestKey(id), bestRecord(board));
  });

  it('prints the leaderboard table and the decision', () => {
    const r = run(['results', id, ...bucketFlags(), '--top', '5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ \* │\s+2 │ l1 λ=4/);
    expect(r.stdout).toMatch(/7 more configs not shown/);
    expect(r.stdout).toMatch(/chosen:\s+l1 λ=4 \(rank 2 of 12\)/);
    expect(r.stdout).toMatch(/why:\s+rule one-standard-error/);
    expect(r.stdout).toMatch(/test:\s+loss 3.2, R² 0.48 on 88 held-out rows/);
    expect(r.stdout).toMatch(/features:\s+2 of 4 selected: bmi, s5/);
    expect(r.stdout).toContain(`model:      s3://${BUCKET}/sweeps/${id}/best/model.json`);
  });

  it('--json prints the summary shape; --report writes the HTML report; the bucket comes from the stack', async () => {
    const report = path.join(tmp, 'out', 'report.html');
    const r = run(['results', id, '--json', '--report', report, ...s3flags()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as SweepSummaryJson;
    expect(Object.keys(j)).toEqual(['sweepId', 'backend', 'trials', 'best', 'diagnostics', 'test', 'leaderboard', 'report']);
    expect(j).toMatchObject({
      sweepId: id,
      backend: 'tensorflow',
      trials: { planned: 36, succeeded: 36, failed: 0, missing: 0 },
      best: { label: 'l1 λ=4', regularization: 'l1', lambda: 4, dropoutRate: 0, l1Ratio: 1, meanValLoss: 3.05, stdErr: 0.1 },
      test: { loss: 3.2, r2: 0.48, rows: 88 },
      report,
    });
    expect(j.leaderboard).toHaveLength(10);
    expect(Object.keys(j.leaderboard[0])).toEqual([
      'rank',
      'label',
      'regularization',
      'lambda',
      'dropoutRate',
      'meanValLoss',
      'stdErr',
      'meanTrainLoss',
      'meanGap',
    ]);
    const html = fs.readFileSync(report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('l1 λ=4');
    expect((await aws.requests('DescribeStacks'))[0].body.StackName).toBe('Regsweep');
  });

  it('a sweep that does not exist, or has no leaderboard yet: exit 2', async () => {
    expectOneLineError(
      run(['results', 'no-such-sweep', ...bucketFlags()]),
      2,
      /sweep no-such-sweep not found: nothing at s3:\/\/regsweep-cloud-test\/sweeps\/no-such-sweep\//,
    );
    await s3.store.putJson('sweeps/half-done/spec.json', {});
    expectOneLineError(run(['results', 'half-done', ...bucketFlags()]), 2, /sweep half-done has no leaderboard yet: it is still running/);
  });
});

describe('flags checked before any work', () => {
  const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

  it.each<[string, string[]]>([
    ['upload-dataset', ['upload-dataset', DIABETES, '--bucket', BUCKET]],
    ['start', ['start', '--spec', 'examples/specs/default.json']],
    ['status', ['status', executionArn('any-1')]],
    ['results', ['results', 'results-1', '--bucket', BUCKET]],
  ])('%s refuses an --s3-endpoint that is not a usable http(s) URL: exit 2, no AWS call', async (_name, args) => {
    for (const bad of ['localhost:4568', 'http://127.0.0.1:99999', 'http://user:pw@127.0.0.1:4568']) {
      expectOneLineError(
        run([...args, '--s3-endpoint', bad]),
        2,
        new RegExp(`--s3-endpoint must be an http\\(s\\) URL, got ${literally(JSON.stringify(bad))}`),
      );
    }
    expect(await aws.requests()).toEqual([]);
  });

  it('results --report naming an existing directory: exit 2 naming --report, nothing read or written', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'report-dir-'));
    expectOneLineError(
      run(['results', 'results-1', '--report', dir, ...s3flags()]),
      2,
      new RegExp(`--report ${literally(dir)} is a directory: give the HTML file to write`),
    );
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(await aws.requests()).toEqual([]);
  });
});

describe('AWS setup problems: one line each', () => {
  it('a stack that does not exist', () => {
    expectOneLineError(
      run(['results', 'x-1', '--stack', 'Nope', ...s3flags()]),
      2,
      new RegExp(`stack Nope not found in ${STUB_REGION}: deploy it with npx cdk deploy`),
    );
  });

  it('a stack without the outputs the CLI reads', async () => {
    await aws.setStack('Half', { TopicArn: 'arn:aws:sns:x' }, 'ROLLBACK_COMPLETE');
    expectOneLineError(
      run(['start', '--spec', 'examples/specs/default.json', '--stack', 'Half', ...s3flags()]),
      2,
      /stack Half in eu-west-3 has no output StateMachineArn \(status ROLLBACK_COMPLETE\)/,
    );
  });

  it('no credentials, and no region', async () => {
    const none = run(['upload-dataset', DIABETES, ...s3flags()], {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
    });
    expectOneLineError(none, 2, /no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/);
    const noRegion = run(['results', 'x-1', ...s3flags()], { AWS_REGION: undefined });
    expectOneLineError(noRegion, 2, /no AWS region: set AWS_REGION .*or pass --region/);
    expect(await aws.requests()).toEqual([]);
  });
});

describe('secrets', () => {
  it('no command of this file printed a credential, even with REGSWEEP_DEBUG stack traces', async () => {
    // a few more failures, with debug output on
    const debug = { REGSWEEP_DEBUG: '1' };
    outputs.push(regsweep(['results', 'x-1', '--stack', 'Nope', ...s3flags()], { env: aws.env(debug) }));
    outputs.push(regsweep(['upload-dataset', DIABETES, '--bucket', 'no-such-bucket', ...s3flags()], { env: aws.env(debug) }));
    const secrets = [FAKE_CREDENTIALS.AWS_SECRET_ACCESS_KEY, FAKE_CREDENTIALS.AWS_SESSION_TOKEN];
    for (const r of outputs)
      for (const s of secrets) {
        expect(r.stdout).not.toContain(s);
        expect(r.stderr).not.toContain(s);
      }
    // and the secret key itself never went over the wire (only signatures made with it)
    for (const req of await aws.requests()) expect(req.raw).not.toContain(FAKE_CREDENTIALS.AWS_SECRET_ACCESS_KEY);
  });
});
