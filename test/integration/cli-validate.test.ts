/** `regsweep validate --spec FILE`: offline checks of a spec and its local dataset, through the real bin. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ValidateJson } from '../../cli/validate';
import { formatUsd } from '../../shared/cost/estimate';
import { PRICES } from '../../shared/cost/prices';
import { regsweep } from '../support/cli';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-validate-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeSpec(name: string, spec: unknown): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, typeof spec === 'string' ? spec : JSON.stringify(spec));
  return file;
}

const oneLineError = (r: { code: number | null; stdout: string; stderr: string }, message: RegExp) => {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
};

describe('regsweep validate', () => {
  it('counts the trials of an example spec and parses and splits its local dataset', () => {
    const r = regsweep(['validate', '--spec', 'examples/specs/default.json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // 4 types on the default grid: none, l1 and l2 x 10 default lambdas (an MLP's path), dropout x 4 default rates = 25 configs
    expect(r.stdout).toMatch(/grid:\s+25 configs x 3 folds = 75 trials/);
    expect(r.stdout).toMatch(/dataset:\s+examples\/data\/diabetes.csv: 442 rows, 10 features, target progression \(regression\)/);
    expect(r.stdout).toMatch(/split:\s+88 test rows held out; 354 rows in 3 folds/);
  });

  it('--json prints trials, configs, folds and the dataset; an s3:// source is reported, not fetched', () => {
    const local = regsweep(['validate', '--spec', 'examples/specs/breast-cancer.json', '--json']);
    expect(local.code).toBe(0);
    const json = JSON.parse(local.stdout) as ValidateJson;
    expect(json).toMatchObject({ trials: 60, configs: 12, folds: 5 });
    expect(json.dataset).toMatchObject({ source: 'examples/data/breast_cancer.csv', location: 'local', rows: 569, features: 30, classes: 2, testRows: 114 });

    const spec = writeSpec('s3.json', {
      dataset: { source: 's3://some-bucket/datasets/x.csv', target: 'y', task: 'regression' },
      validation: { folds: 4 },
      search: { types: ['l1', 'l2'], lambda: { min: 0.01, max: 1, count: 3 } },
    });
    const remote = regsweep(['validate', '--spec', spec, '--json']);
    expect(remote.code).toBe(0);
    expect(JSON.parse(remote.stdout)).toEqual({
      trials: 28,
      configs: 7,
      folds: 4,
      search: { strategy: 'grid', description: 'grid, every one of 7 configs on all 4 folds (28 trials), proposed once' },
      grid: {
        lambda: { source: 'spec' },
        paths: [
          { type: 'l1', l1Ratio: 1, lambdas: [0.01, 0.1, 1] },
          { type: 'l2', l1Ratio: 0, lambdas: [0.01, 0.1, 1] },
        ],
      },
      dataset: { source: 's3://some-bucket/datasets/x.csv', location: 's3' },
    });
    // the text says which search runs, and why the grid has one config more than the spec lists
    const text = regsweep(['validate', '--spec', spec]).stdout;
    expect(text).toContain('search:   grid, every one of 7 configs on all 4 folds (28 trials), proposed once');
    expect(text).toMatch(/note:\s+none \(no regularization\) is added to the grid as the baseline/);
  });

  it('a spec with only dataset, model and types: prints the default grid from lambda_max and its trial count', () => {
    const spec = writeSpec('defaults.json', {
      dataset: { source: path.resolve('examples/data/diabetes.csv'), target: 'progression', task: 'regression' },
      model: { hidden: [] },
      search: { types: ['l1', 'l2', 'dropout'] },
    });
    const r = regsweep(['validate', '--spec', spec]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // none + 100 l1 + 100 l2 + 4 dropout rates, on 5 folds; lambda_max on the 354 non-test rows of diabetes
    expect(r.stdout).toMatch(/grid:\s+205 configs x 5 folds = 1025 trials/);
    expect(r.stdout).toMatch(/note:\s+default λ grid from λ_max = [\d.]+ \(the L1 path on the 354 non-test rows is all zeros from there\), ε = 0\.001/);
    expect(r.stdout).toMatch(/note:\s+default dropout rates 0\.1, 0\.2, 0\.3, 0\.5/);
    const json = JSON.parse(regsweep(['validate', '--spec', spec, '--json']).stdout) as ValidateJson;
    expect(json.trials).toBe(1025);
    expect(json.grid.lambda?.lambdaMax).toBeGreaterThan(0);
    expect(json.grid.paths.map((p) => p.lambdas.length)).toEqual([100, 100]);
  });

  it('prints the cost estimate for the settings in cdk.json; --json carries the same numbers', () => {
    // Act
    const text = regsweep(['validate', '--spec', 'examples/specs/default.json']);
    const r = regsweep(['validate', '--spec', 'examples/specs/default.json', '--json']);
    // Assess
    expect(r.code).toBe(0);
    const cost = (JSON.parse(r.stdout) as ValidateJson).cost!;
    // 75 trials of an MLP: one per TrainTrial invocation (cdk.json sgdBatchSize 1), STANDARD children (cdk.json's default)
    expect(cost).toMatchObject({ trials: 75, batches: 75, batchSize: 1, childType: 'STANDARD', memoryMb: 2048, architecture: 'x86_64' });
    expect(cost.lambda.requests).toBe(75 + 3); // and plan, aggregate, refit
    expect(cost.stepFunctions.transitions).toBe(6 + 75 + 75); // parent states, one per child started, TrainTrial in each
    // a batch of one trial: a resume LIST, a dataset HEAD, one record part (PUT) and Aggregate's GET of it; 1 LIST page
    expect(cost.s3).toMatchObject({ gets: 9 + 2 * 75, puts: 8 + 2 * 75 + 1, parts: 75 });
    // the dollars are the price table's prices times the counts
    expect(cost.lambda.usd).toBeCloseTo(cost.lambda.gbSeconds * PRICES.lambda.gbSecond.x86_64 + cost.lambda.requests * PRICES.lambda.request, 12);
    expect(cost.stepFunctions.usd).toBeCloseTo(cost.stepFunctions.transitions * PRICES.stepFunctions.standardTransition, 12);
    expect(cost.usd).toBeCloseTo(cost.lambda.usd + cost.stepFunctions.usd + cost.s3.usd, 12);
    expect(cost.prices).toEqual({ region: 'us-east-1', readOn: PRICES.readOn });
    expect(cost.alternative).toMatchObject({ childType: 'EXPRESS', trials: 75, stepFunctions: { transitions: 6 + 75, expressRequests: 75 } });
    // the text says the same
    expect(text.stdout).toContain(`cost:     about ${formatUsd(cost.usd)} (us-east-1 prices read ${PRICES.readOn};`);
    expect(text.stdout).toMatch(
      /75 batches of up to 1 trial .*, 78 Lambda requests, [\d.]+ GB-s at 2048 MB x86_64, 156 Step Functions transitions, 318 S3 requests/,
    );
    expect(text.stdout).toContain(`with EXPRESS child executions (cdk.json regsweep.childExecutionType): about ${formatUsd(cost.alternative.usd)}`);
  });

  it('limits.maxCostUsd: a sweep under it is accepted and says so; one over it is refused: one line naming both, exit 2', () => {
    const text = fs.readFileSync(path.join(__dirname, '../../examples/specs/default.json'), 'utf8');
    const spec = JSON.parse(text.replace('examples/data/diabetes.csv', path.resolve('examples/data/diabetes.csv'))) as { limits: object };
    const under = regsweep(['validate', '--spec', writeSpec('budget.json', { ...spec, limits: { ...spec.limits, maxCostUsd: 100 } })]);
    expect(under.stderr).toBe('');
    expect(under.code).toBe(0);
    expect(under.stdout).toMatch(/limits\.maxCostUsd \$100\.00: within it/);
    oneLineError(
      regsweep(['validate', '--spec', writeSpec('over.json', { ...spec, limits: { ...spec.limits, maxCostUsd: 0.001 } })]),
      /over\.json: limits\.maxCostUsd is \$0\.0010 but this sweep is estimated at \$0\.\d+ \(75 trials at 2048 MB x86_64, STANDARD children/,
    );
  });

  it('a local dataset path that does not exist is reported (exit 0)', () => {
    const spec = writeSpec('missing-data.json', { dataset: { source: 'nope/none.csv', target: 'y', task: 'regression' }, search: { types: ['none'] } });
    const r = regsweep(['validate', '--spec', spec]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/grid:\s+1 config x 5 folds = 5 trials/);
    expect(r.stdout).not.toMatch(/is added to the grid as the baseline/); // the spec lists none itself
    expect(r.stdout).toMatch(/dataset:\s+nope\/none.csv: not found/);
  });

  it('accepts a spec saved with a UTF-8 byte order mark', () => {
    const text = fs.readFileSync(path.join(__dirname, '../../examples/specs/default.json'), 'utf8');
    const spec = writeSpec('bom.json', `\uFEFF${text.replace('examples/data/diabetes.csv', path.resolve('examples/data/diabetes.csv'))}`);
    const r = regsweep(['validate', '--spec', spec]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/grid:\s+25 configs x 3 folds = 75 trials/);
  });

  it.each([
    ['semicolon', ';'],
    ['tab', '\t'],
  ])('reads a %s-delimited dataset: its columns are found', (name, d) => {
    const data = path.join(tmp, `${name}.csv`);
    fs.writeFileSync(data, ['a', 'b', 'y'].join(d) + '\n' + Array.from({ length: 10 }, (_, i) => [i, (i * 3) % 7, i * 2].join(d)).join('\n') + '\n');
    const spec = writeSpec(`${name}.json`, {
      dataset: { source: data, target: 'y', task: 'regression' },
      validation: { folds: 2 },
      search: { types: ['none'] },
    });
    const r = regsweep(['validate', '--spec', spec]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`dataset:\\s+.*${name}\\.csv: 10 rows, 2 features, target y \\(regression\\)`));
  });

  it.each<[string, () => string[], RegExp]>([
    [
      'an invalid spec, naming the file and the field',
      () => ['--spec', writeSpec('bad.json', { dataset: { source: 'x.csv', target: 'y', task: 'regression' }, search: { types: ['l2'], lambda: [-1] } })],
      /bad\.json: invalid spec: search\.lambda\[0\]: must be >= 0, got -1/,
    ],
    ['a spec that is not JSON', () => ['--spec', writeSpec('broken.json', '{ "dataset": ')], /broken\.json: not valid JSON/],
    ['a missing spec file', () => ['--spec', path.join(tmp, 'absent.json')], /--spec: cannot read .*absent\.json: no such file/],
    [
      'a grid over limits.maxTrials, with its size',
      () => [
        '--spec',
        writeSpec('big.json', {
          dataset: { source: 'x.csv', target: 'y', task: 'regression' },
          search: { types: ['l2'], lambda: { min: 1, max: 10, count: 30 } },
          limits: { maxTrials: 100 },
        }),
      ],
      /grid too large: 31 configs x 5 folds = 155 trials, over limits\.maxTrials = 100/,
    ],
    [
      'a local dataset with a bad cell, naming the row and column',
      () => {
        const data = path.join(tmp, 'cells.csv');
        fs.writeFileSync(data, 'a,b,y\n1,2,3\n4,oops,6\n7,8,9\n');
        return [
          '--spec',
          writeSpec('cells.json', { dataset: { source: data, target: 'y', task: 'regression' }, validation: { folds: 1 }, search: { types: ['none'] } }),
        ];
      },
      /cells\.csv row 2 \(line 3\), column "b": not a number: "oops"/,
    ],
  ])('refuses %s: one line, exit 2', (_name, args, message) => {
    oneLineError(regsweep(['validate', ...args()]), message);
  });
});
