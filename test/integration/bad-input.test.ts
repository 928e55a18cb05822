/**
 * The bad-input catalogue, through the real bin: specs, datasets and command-line arguments that must be refused.
 *
 * Every case: exit code 2, nothing on stdout, and on stderr exactly one line `regsweep: error: <message>` naming
 * the problem, never a stack trace. The one allowed extra line is commander's fixed hint
 * `(run with --help for usage)`, which follows command-line syntax errors commander itself detects (an unknown
 * option, an invalid option value, a missing required option); errors about the content of inputs have none.
 * Every case runs with (fake) AWS credentials in the environment, which must never be printed.
 *
 * `local` cases run with `--keep --out <dir>`: <dir> is created only once every check has passed (and the harness
 * would create <dir>/s3 for its S3 server), so its absence shows the input was refused before anything ran.
 *
 * The cases run in one child process per core, each running its share of the command lines one after another
 * through the CLI's `main` (test/support/cli-batch.ts): starting the CLI costs ~0.7 s of CPU, so a process per
 * case spent most of the catalogue's time starting up. A case whose process died or hung before it finished runs
 * again alone through bin/regsweep.js, so one bad case cannot hide the others.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FAKE_CREDENTIALS } from '../support/aws-stub';
import type { Leaderboard } from '../../shared/study/leaderboard';
import { bestRecord, configSummary, regConfig } from '../support/artifacts';
import type { BatchResult } from '../support/cli-batch';
import { ROOT } from '../support/cli';
import { writeTinyCsv } from '../support/reliability';

const HINT = '(run with --help for usage)';

let tmp: string;
/** A file in the temp dir with this content (string, bytes, or JSON). */
function file(name: string, content: string | Uint8Array | object): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, typeof content === 'string' || content instanceof Uint8Array ? content : JSON.stringify(content));
  return p;
}

/** A valid spec on the tiny CSV; `patch` replaces top-level sections (a section set to undefined is dropped). */
function specWith(patch: Record<string, unknown> = {}, dataset: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    dataset: { source: path.join(tmp, 'tiny.csv'), target: 'y', task: 'regression', ...dataset },
    model: { hidden: [] },
    training: { epochs: 2 },
    validation: { folds: 2 },
    search: { types: ['none', 'l2'], lambda: [0.1, 1] },
  };
  const out = { ...base, ...patch };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

/** A named pipe in the temp dir: reading it would block until a writer comes (none will). */
function fifo(name: string): string {
  const p = path.join(tmp, name);
  if (!fs.existsSync(p)) execFileSync('mkfifo', [p]);
  return p;
}

let specCount = 0;
/** A spec file from specWith(...). */
const spec = (patch?: Record<string, unknown>, dataset?: Record<string, unknown>) => file(`spec-${++specCount}.json`, specWith(patch, dataset));
/** A spec file whose dataset is a CSV with this content. */
function specOnData(name: string, content: string | Uint8Array, dataset: Record<string, unknown> = {}, patch: Record<string, unknown> = {}): string {
  return spec(patch, { source: file(name, content), ...dataset });
}

/**
 * A sweep directory with a hand-built best.json whose model uses numeric columns a and b (and a model.json that is
 * never loaded: every predict case is refused before).
 */
function fakeSweep(): string {
  const dir = path.join(tmp, 'fake-sweep');
  if (fs.existsSync(dir)) return dir;
  const board = { sweepId: 'fake-sweep', task: 'regression', rule: 'min', best: configSummary(1, regConfig('l2', 1), 0.5) } as unknown as Leaderboard;
  const columns = ['a', 'b'].map((name) => ({ name, role: 'numeric', fill: 0, indicator: false }));
  const standardizer = { mean: [0, 0], std: [1, 1] };
  const preprocessing = { columns, missing: [], impute: 'mean', features: ['a', 'b'], standardizer };
  fs.mkdirSync(path.join(dir, 'best'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'best.json'),
    JSON.stringify({ ...bestRecord(board), standardizer: { features: ['a', 'b'], ...standardizer }, preprocessing }),
  );
  fs.writeFileSync(path.join(dir, 'best', 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['weights.bin'], weights: [] }] }));
  fs.writeFileSync(path.join(dir, 'best', 'weights.bin'), '');
  return dir;
}

const tinyRows = (n: number) => ['a,b,y', ...Array.from({ length: n }, (_, i) => `${i},${(i * 3) % 7},${i * 2}`)].join('\n') + '\n';

type Command = 'local' | 'train' | 'validate' | 'report' | 'predict' | '(none)';
interface Case {
  readonly name: string;
  readonly command: Command;
  /** Arguments after the command; built in beforeAll (they may write files). */
  readonly args: () => string[];
  readonly message: RegExp;
}

/** The catalogue. Dataset and spec cases run as `validate --spec` and, where marked, also as `local --spec`. */
function catalogue(): Case[] {
  const cases: Case[] = [];
  const both = (name: string, args: () => string[], message: RegExp) => {
    cases.push({ name: `validate: ${name}`, command: 'validate', args, message });
    cases.push({ name: `local: ${name}`, command: 'local', args, message });
  };
  const validate = (name: string, args: () => string[], message: RegExp) => cases.push({ name: `validate: ${name}`, command: 'validate', args, message });
  const local = (name: string, args: () => string[], message: RegExp) => cases.push({ name: `local: ${name}`, command: 'local', args, message });
  const train = (name: string, args: string[], message: RegExp) =>
    cases.push({
      name: `train: ${name}`,
      command: 'train',
      args: () => ['--data', path.join(tmp, 'tiny.csv'), '--target', 'y', '--hidden', '', '--epochs', '1', ...args],
      message,
    });
  const report = (name: string, args: () => string[], message: RegExp) => cases.push({ name: `report: ${name}`, command: 'report', args, message });

  // ---- specs
  both('a spec that is not JSON', () => ['--spec', file('broken.json', '{ "dataset": ')], /broken\.json: not valid JSON/);
  validate('a spec that is a JSON array', () => ['--spec', file('array.json', '[1, 2]')], /array\.json: spec must be a JSON object, got \[1,2\]/);
  validate('a wrong type (epochs "ten")', () => ['--spec', spec({ training: { epochs: 'ten' } })], /training\.epochs: must be an integer, got "ten"/);
  both('a negative lambda', () => ['--spec', spec({ search: { types: ['l2'], lambda: [0.1, -1] } })], /search\.lambda\[1\]: must be >= 0, got -1/);
  validate(
    'a dropout rate of 1 (outside [0, 1))',
    () => ['--spec', spec({ search: { types: ['dropout'], dropout: [0.5, 1] } })],
    /search\.dropout\[1\]: must be in \[0, 1\), got 1/,
  );
  validate(
    'a negative dropout rate',
    () => ['--spec', spec({ search: { types: ['dropout'], dropout: [-0.1] } })],
    /search\.dropout\[0\]: must be in \[0, 1\), got -0\.1/,
  );
  validate(
    'an empty grid (no regularization types)',
    () => ['--spec', spec({ search: { types: [] } })],
    /search\.types: must list at least one regularization type/,
  );
  validate('an empty lambda list', () => ['--spec', spec({ search: { types: ['l1'], lambda: [] } })], /search\.lambda: must list at least one value/);
  both(
    'a grid over limits.maxTrials, with its size',
    () => ['--spec', spec({ search: { types: ['l2'], lambda: { min: 0.01, max: 100, count: 60 } }, limits: { maxTrials: 100 } })],
    /grid too large: 61 configs x 2 folds = 122 trials, over limits\.maxTrials = 100/,
  );
  both(
    'a sweep estimated over limits.maxCostUsd, naming the limit and the estimate',
    () => ['--spec', spec({ limits: { maxCostUsd: 0.000001 } })],
    /spec-\d+\.json: limits\.maxCostUsd is \$0\.0000010 but this sweep is estimated at \$0\.0\d+ \(6 trials at \d+ MB x86_64, (STANDARD|EXPRESS) children; us-east-1 prices read \d{4}-\d\d-\d\d\)/,
  );
  validate('a limits.maxCostUsd that is not positive', () => ['--spec', spec({ limits: { maxCostUsd: 0 } })], /limits\.maxCostUsd: must be > 0, got 0/);
  validate(
    'limits.maxTrials over the hard cap',
    () => ['--spec', spec({ limits: { maxTrials: 10_000_000 } })],
    /limits\.maxTrials: must be <= 100000, got 10000000/,
  );
  validate('an unknown regularization', () => ['--spec', spec({ search: { types: ['l3'], lambda: [1] } })], /search\.types\[0\]: unknown regularization "l3"/);
  validate('an unknown field', () => ['--spec', spec({ training: { epochz: 3 } })], /training: unknown field\(s\) "epochz"/);
  validate(
    'a missing target',
    () => ['--spec', file('no-target.json', { ...specWith(), dataset: { source: 'x.csv', task: 'regression' } })],
    /dataset\.target: is required/,
  );
  validate('an unknown task', () => ['--spec', spec({}, { task: 'regresion' })], /dataset\.task: must be regression or classification, got "regresion"/);
  both('an unsafe sweepId (../x) in the spec', () => ['--spec', spec({ sweepId: '../x' })], /sweepId: must be a slug of a-z, 0-9 and '-'.*got "\.\.\/x"/);
  validate(
    'Infinity (1e999 in JSON) as lambda',
    () => ['--spec', file('inf.json', JSON.stringify(specWith({ search: { types: ['l2'], lambda: [12345] } })).replace('12345', '1e999'))],
    /search\.lambda\[0\]: must be a (finite )?number, got Infinity/,
  );
  validate('a huge number of epochs', () => ['--spec', spec({ training: { epochs: 1e15 } })], /training\.epochs: must be <= 100000, got 1000000000000000/);
  validate('a learning rate of 0', () => ['--spec', spec({ training: { learningRate: 0 } })], /training\.learningRate: must be > 0, got 0/);
  validate(
    'an l1Ratio of 1',
    () => ['--spec', spec({ search: { types: ['elasticnet'], lambda: [1], l1Ratio: 1 } })],
    /search\.l1Ratio: must be in \(0, 1\), got 1/,
  );
  validate('0 folds', () => ['--spec', spec({ validation: { folds: 0 } })], /validation\.folds: must be >= 1, got 0/);
  validate(
    'a regression target constant on the training rows (not on the test rows), naming the column',
    () => [
      '--spec',
      specOnData('flat.csv', ['a,y,split', ...Array.from({ length: 12 }, (_, i) => `${i},3,train`), '12,5,test', '13,7,test'].join('\n') + '\n'),
    ],
    /target column "y" is constant on the training rows/,
  );
  validate(
    'a classification score as the selection metric of a regression',
    () => ['--spec', spec({ selection: { metric: 'rocAuc' } })],
    /selection\.metric: rocAuc is a classification score and dataset\.task is regression/,
  );
  validate('the target among the features', () => ['--spec', spec({}, { features: ['a', 'y'] })], /dataset\.features: must not include the target "y"/);
  validate(
    'a spec nested 40 levels deep, naming where',
    () => ['--spec', file('deep.json', `{"search": ${'['.repeat(40)}${']'.repeat(40)}}`)],
    /deep\.json: invalid spec: search\[0\]\[0\]\[0\]\.\.\.: nested more than 32 levels deep/,
  );
  validate('a spec that is a directory', () => ['--spec', tmp], /--spec: cannot read .*: is a directory, not a regular file/);
  validate(
    'a spec that is a named pipe (would block)',
    () => ['--spec', fifo('spec.fifo')],
    /--spec: cannot read .*spec\.fifo: is a named pipe \(FIFO\), not a regular file/,
  );
  validate(
    'limits.maxDatasetBytes over its cap',
    () => ['--spec', spec({ limits: { maxDatasetBytes: 1e12 } })],
    /limits\.maxDatasetBytes: must be <= 500000000, got 1000000000000/,
  );
  local(
    'an s3:// dataset without --s3-endpoint',
    () => ['--spec', spec({}, { source: 's3://bucket/datasets/x.csv' })],
    /dataset\.source s3:\/\/bucket\/datasets\/x\.csv is an S3 URI/,
  );
  local(
    'a dataset file that does not exist',
    () => ['--spec', spec({}, { source: path.join(tmp, 'absent.csv') })],
    /dataset\.source .*absent\.csv: no such file/,
  );
  validate('a spec file that does not exist', () => ['--spec', path.join(tmp, 'absent.json')], /--spec: cannot read .*absent\.json: no such file/);

  // ---- datasets
  both('an empty file', () => ['--spec', specOnData('empty.csv', '')], /empty\.csv: the file is empty/);
  validate('a header without rows', () => ['--spec', specOnData('header.csv', 'a,b,y\n')], /header\.csv: too few rows: the file has a header but no data rows/);
  validate(
    'a single data row',
    () => ['--spec', specOnData('one-row.csv', 'a,b,y\n1,2,3\n')],
    /one-row\.csv: too few rows: the file has only 1 data row; need at least 2/,
  );
  validate(
    'duplicate headers',
    () => ['--spec', specOnData('dup.csv', 'a,a,y\n1,2,3\n4,5,6\n')],
    /dup\.csv line 1: duplicate column name "a" \(columns 1 and 2\)/,
  );
  both(
    'a text cell in a column of numbers (the mixed numbers-and-text rule)',
    () => ['--spec', specOnData('cells.csv', 'a,b,y\n1,2,3\n4,oops,6\n7,8,9\n')],
    /cells\.csv row 2 \(line 3\), column "b": not a number: "oops" \(the column is mostly numbers: add the value to dataset\.missing, or declare the column categorical\)/,
  );
  both(
    'a non-UTF-8 file',
    () => ['--spec', specOnData('latin1.csv', Buffer.concat([Buffer.from('a,b,y\n1,2,3\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from(',5,6\n')]))],
    /latin1\.csv line 3: not valid UTF-8 text/,
  );
  validate(
    'an Infinity cell',
    () => ['--spec', specOnData('inf.csv', 'a,b,y\n1,2,3\n4,Infinity,6\n7,8,9\n')],
    /inf\.csv row 2 \(line 3\), column "b": not a finite number: "Infinity"/,
  );
  validate(
    'a number that overflows (1e999)',
    () => ['--spec', specOnData('huge.csv', 'a,b,y\n1,2,3\n4,1e999,6\n7,8,9\n')],
    /huge\.csv row 2 \(line 3\), column "b": value "1e999" overflows to Infinity/,
  );
  // numbers in range (issue 24): refused at plan time naming the column and row, before any trial runs
  both(
    'a feature of 1e300 (its square overflows float64)',
    () => ['--spec', specOnData('e300.csv', 'a,b,y\n1,2,3\n4,1e300,6\n7,8,9\n')],
    /e300\.csv row 2 \(line 3\), column "b": 1e\+300 is beyond ±1e\+150, where its square overflows float64: rescale the column/,
  );
  both(
    'a denormal feature (1e-320)',
    () => ['--spec', specOnData('denormal.csv', 'a,b,y\n1,2,3\n4,5,6\n7,1e-320,9\n')],
    /denormal\.csv row 3 \(line 4\), column "b": 1e-320 is denormal \(nonzero and below 2\.2250738585072014e-308 in magnitude\)/,
  );
  both(
    'a regression target of 1e300',
    () => ['--spec', specOnData('target-e300.csv', 'a,y\n1,2\n2,1e300\n3,4\n')],
    /target-e300\.csv row 2 \(line 3\), column "y": 1e\+300 is beyond ±1e\+150/,
  );
  // tables as people write them (issue 24)
  both(
    'an impossible date (2020-02-30)',
    () => ['--spec', specOnData('feb30.csv', 'd,y\n2020-02-28,1\n2020-02-30,2\n2020-03-01,3\n')],
    /feb30\.csv row 2 \(line 3\), column "d": not a possible date or time \(YYYY-MM-DD\): "2020-02-30"/,
  );
  both(
    'a UTF-16 file',
    () => ['--spec', specOnData('utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,y\n1,2\n3,4\n5,6\n', 'utf16le')]))],
    /utf16\.csv: the file is UTF-16 \(little-endian\) text, not UTF-8: save it as UTF-8/,
  );
  validate(
    'a row with too many fields',
    () => ['--spec', specOnData('ragged.csv', 'a,b,y\n1,2,3\n4,5,6,7\n')],
    /ragged\.csv row 2 \(line 3\): expected 3 fields \(as in the header\), got 4/,
  );
  both(
    'a target missing in almost every row',
    () => ['--spec', specOnData('holes.csv', `a,y\n${Array.from({ length: 20 }, (_, i) => `${i},${i < 19 ? 'NA' : 1}`).join('\n')}\n`)],
    /holes\.csv, column "y": the target is missing in 19 of 20 rows \(row 1 \(line 2\), row 2 \(line 3\), row 3 \(line 4\) and 16 more\); at most 90% may miss it/,
  );
  both(
    'a constant target',
    () => ['--spec', specOnData('constant.csv', `a,y\n${Array.from({ length: 12 }, (_, i) => `${i},4`).join('\n')}\n`)],
    /constant\.csv, column "y": the target is constant \(4 in every row that has it\): there is nothing to learn/,
  );
  both(
    'every feature dropped (an identifier and an empty column)',
    () => ['--spec', specOnData('ids.csv', `id,blank,y\n${Array.from({ length: 30 }, (_, i) => `row-${i},,${i % 4}`).join('\n')}\n`)],
    /ids\.csv: every feature column is dropped \(id: a different value in every row \(an identifier\); blank: every value missing\): nothing to train on/,
  );
  both(
    'dataset.drop naming a column the file lacks',
    () => ['--spec', spec({}, { drop: ['x9'] })],
    /dataset\.drop: no column "x9" in .*tiny\.csv; its columns: "x1", "x2", "x3"/,
  );
  validate(
    'an unknown role in dataset.columns',
    () => ['--spec', spec({}, { columns: { x1: 'texte' } })],
    /dataset\.columns\.x1: unknown role "texte"; use one of numeric, boolean, categorical, date, drop/,
  );
  // A JS literal cannot hold an own `__proto__` key: these specs are written as JSON text, as a user writes them.
  const protoSpec = (role: string) => file(`proto-${role}.json`, JSON.stringify(specWith({}, { columns: { PROTO: role } })).replace('"PROTO"', '"__proto__"'));
  both(
    'dataset.columns naming a column "__proto__" the file lacks',
    () => ['--spec', protoSpec('drop')],
    /dataset\.columns\.__proto__: no column "__proto__" in .*tiny\.csv; its columns: "x1", "x2", "x3"/,
  );
  validate(
    'an unknown role for dataset.columns.__proto__',
    () => ['--spec', protoSpec('texte')],
    /dataset\.columns\.__proto__: unknown role "texte"; use one of numeric, boolean, categorical, date, drop/,
  );
  both(
    'an unknown target column',
    () => ['--spec', spec({}, { target: 'nope' })],
    /tiny\.csv: target column "nope" not found; available columns: "x1", "x2", "x3", "y"/,
  );
  validate(
    'a single class',
    () => ['--spec', specOnData('one-class.csv', 'a,y\n1,1\n2,1\n3,1\n4,1\n', { task: 'classification' })],
    /one-class\.csv, column "y": only one class \(1\) present/,
  );
  both(
    'too few rows for the folds',
    () => ['--spec', specOnData('few.csv', tinyRows(4), {}, { validation: { folds: 5 } })],
    /few\.csv: too few rows for 5 folds: 4 rows/,
  );
  both(
    'k folds on a split column with validation rows',
    () => [
      '--spec',
      specOnData(
        'split.csv',
        ['a,split,y', ...Array.from({ length: 12 }, (_, i) => `${i},${['train', 'validation', 'test'][i % 3]},${i * 2}`)].join('\n') + '\n',
        {},
        { validation: { folds: 3 } },
      ),
    ],
    /validation\.folds is 3, but .*split\.csv, column "split": the rows labeled validation \(4\) make a single holdout; set validation\.folds to 1/,
  );
  both('a dataset.source that is a directory', () => ['--spec', spec({}, { source: tmp })], /cannot read .*: is a directory, not a regular file/);
  both(
    'a dataset.source that is a named pipe (would block)',
    () => ['--spec', spec({}, { source: fifo('data.fifo') })],
    /data\.fifo: cannot read .*: is a named pipe \(FIFO\), not a regular file/,
  );
  validate(
    'a dataset.source that is /dev/zero (never ends)',
    () => ['--spec', spec({}, { source: '/dev/zero' })],
    /\/dev\/zero: cannot read \/dev\/zero: is a character device, not a regular file/,
  );
  local('--data /dev/zero (never ends)', () => ['--data', '/dev/zero', '--target', 'y'], /cannot read \/dev\/zero: is a character device, not a regular file/);
  validate(
    'a dataset over limits.maxDatasetBytes',
    () => ['--spec', spec({ limits: { maxDatasetBytes: 100 } })],
    /tiny\.csv: the file is \d+ bytes, over limits\.maxDatasetBytes = 100 bytes; raise limits\.maxDatasetBytes in the spec/,
  );
  validate(
    'a JSON Lines row that is not an object',
    () => ['--spec', spec({}, { source: file('rows.jsonl', '{"a":1,"y":2}\n[1,2]\n') })],
    /rows\.jsonl row 2 \(line 2\): not a JSON object, got an array/,
  );

  // ---- command-line arguments: local
  local('--sweep-id ../x', () => ['--spec', spec(), '--sweep-id', '../x'], /--sweep-id: unsafe sweepId "\.\.\/x"/);
  local('--workers 0', () => ['--spec', spec(), '--workers', '0'], /--workers must be an integer from 1 to 32, got "0"/);
  local('--workers abc', () => ['--workers', 'abc'], /--workers must be an integer from 1 to 32, got "abc"/);
  local('--workers 256 (each worker holds ~70 MB)', () => ['--spec', spec(), '--workers', '256'], /--workers must be an integer from 1 to 32, got "256"/);
  // Any file name is accepted (spaces, unicode, .txt, none): what is refused is the content, named by the file
  local(
    'a dataset named "my data.txt" with one column',
    () => ['--data', file('my data.txt', 'y\n1\n2\n3\n'), '--target', 'y'],
    /my data\.txt: no feature columns \(only "y"\)/,
  );
  local(
    'a dataset without an extension whose JSON Lines row is not an object',
    () => ['--spec', spec({}, { source: file('données', '{"a":1,"y":2}\n[1,2]\n') })],
    /données row 2 \(line 2\): not a JSON object, got an array/,
  );
  local(
    '--task foo',
    () => ['--data', path.join(tmp, 'tiny.csv'), '--target', 'y', '--task', 'foo'],
    /--task must be one of regression, classification, got "foo"/,
  );
  local('an unknown option', () => ['--frobnicate'], /unknown option '--frobnicate'/);
  local('--spec and --data together', () => ['--spec', spec(), '--data', path.join(tmp, 'tiny.csv')], /give either --spec or --data, not both/);
  local('--data without --target', () => ['--data', path.join(tmp, 'tiny.csv')], /--data needs --target COLUMN/);
  local('--data with an unknown --target', () => ['--data', path.join(tmp, 'tiny.csv'), '--target', 'nope'], /target column "nope" not found/);
  local(
    '--drop naming a column the file lacks',
    () => ['--data', path.join(tmp, 'tiny.csv'), '--target', 'y', '--drop', 'x1,x9'],
    /--drop: no column "x9" in .*tiny\.csv/,
  );
  local(
    '--categorical with --spec',
    () => ['--spec', spec(), '--categorical', 'x1'],
    /--categorical goes with --data FILE \(in a spec: dataset\.categorical\)/,
  );

  // ---- train
  train('a negative --lambda', ['--reg', 'l2', '--lambda', '-1'], /--lambda must be a number >= 0, got "-1"/);
  train('--dropout 1', ['--reg', 'dropout', '--dropout', '1'], /--dropout must be a number in \[0, 1\), got "1"/);
  train('an unknown --reg', ['--reg', 'l3'], /--reg must be one of none, l1, l2/);
  train('--reg l2 without --lambda', ['--reg', 'l2'], /--reg l2 needs --lambda/);
  train('--epochs 1e999 (Infinity)', ['--epochs', '1e999'], /--epochs must be an integer from 1 to 100000, got "1e999"/);
  train('--learning-rate Infinity', ['--learning-rate', 'Infinity'], /--learning-rate must be a number > 0, got "Infinity"/);
  cases.push({
    name: 'train: --data /dev/zero (never ends)',
    command: 'train',
    args: () => ['--data', '/dev/zero', '--target', 'y'],
    message: /cannot read \/dev\/zero: is a character device, not a regular file/,
  });
  train('bad --hidden sizes', ['--hidden', '64,x'], /--hidden must be layer sizes like 64,64/);
  cases.push({ name: 'train: a missing --data', command: 'train', args: () => ['--target', 'y'], message: /required option '--data <file>' not specified/ });

  // ---- report
  report('a directory that does not exist', () => [path.join(tmp, 'no-such-sweep')], /sweep directory not found: .*no-such-sweep/);
  report('an unsafe sweep id in an S3 URI', () => ['s3://regsweep-local/sweeps/../'], /unsafe sweepId "\.\."/);
  report('a URI outside sweeps/', () => ['s3://regsweep-local/datasets/x.csv'], /invalid sweep URI "s3:\/\/regsweep-local\/datasets\/x\.csv"/);
  report(
    'an --s3-endpoint that is not a URL',
    () => ['s3://regsweep-local/sweeps/abc/', '--s3-endpoint', 'ftp:nope'],
    /--s3-endpoint must be an http\(s\) URL, got "ftp:nope"/,
  );
  report(
    'a corrupt leaderboard.json',
    () => {
      const dir = path.join(tmp, 'corrupt-sweep');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'leaderboard.json'), '{"configs": [');
      return [dir];
    },
    /corrupt-sweep\/leaderboard\.json/,
  );

  // ---- predict
  const predict = (name: string, args: () => string[], message: RegExp) => cases.push({ name: `predict: ${name}`, command: 'predict', args, message });
  predict(
    'a directory that does not exist',
    () => [path.join(tmp, 'no-such-sweep'), '--data', path.join(tmp, 'tiny.csv')],
    /sweep directory not found: .*no-such-sweep/,
  );
  predict(
    'a sweep that was not refit',
    () => {
      const dir = path.join(tmp, 'unrefit-sweep');
      fs.mkdirSync(dir, { recursive: true });
      return [dir, '--data', path.join(tmp, 'tiny.csv')];
    },
    /no best model: .*unrefit-sweep\/best\.json not found \(was the sweep refit\?\)/,
  );
  predict('a missing --data', () => [fakeSweep()], /required option '--data <file>' not specified/);
  predict('--data that does not exist', () => [fakeSweep(), '--data', path.join(tmp, 'nope.csv')], /nope\.csv: cannot read .*nope\.csv/);
  predict(
    'a column of the model missing from --data',
    () => [fakeSweep(), '--data', file('no-b.csv', 'a,y\n1,2\n')],
    /no-b\.csv: missing column "b" that the model was trained on/,
  );
  predict(
    'an input of 1e308 (out of range)',
    () => [fakeSweep(), '--data', file('p-e308.csv', 'a,b\n1,2\n1e308,3\n')],
    /p-e308\.csv row 2 \(line 3\), column "a": 1e\+308 is beyond ±1e\+150/,
  );
  predict(
    'an input the model cannot score (1e100 standardizes past float32)',
    () => [fakeSweep(), '--data', file('p-e100.csv', 'a,b\n1,2\n3,-1e100\n')],
    /p-e100\.csv row 2 \(line 3\), column "b": -1e100 is too far from the values the model was trained on to score/,
  );
  predict(
    'an unknown --format',
    () => [fakeSweep(), '--data', path.join(tmp, 'tiny.csv'), '--format', 'xlsx'],
    /--format must be one of csv, jsonl, json, got "xlsx"/,
  );
  predict(
    '--s3-endpoint with a directory',
    () => [fakeSweep(), '--data', path.join(tmp, 'tiny.csv'), '--s3-endpoint', 'http://127.0.0.1:1'],
    /--s3-endpoint applies to an s3:\/\/ source/,
  );

  // ---- validate and the program itself
  cases.push({ name: 'validate: no --spec', command: 'validate', args: () => [], message: /required option '--spec <file>' not specified/ });
  cases.push({ name: 'an unknown command', command: '(none)', args: () => ['frobnicate'], message: /unknown command 'frobnicate'/ });
  return cases;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  out?: string;
}

const ENV: NodeJS.ProcessEnv = { ...process.env, ...FAKE_CREDENTIALS, REGSWEEP_DEBUG: undefined, REGSWEEP_CLI_ENTRY: undefined };

/** One command line alone through bin/regsweep.js. */
function run(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'regsweep.js'), ...args], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Command lines one after another in one process (test/support/cli-batch.ts): the results it finished, by index. */
function runBatch(argvs: string[][]): Promise<Map<number, Run>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'test', 'support', 'cli-batch.ts')], {
      cwd: ROOT,
      env: ENV,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const done = new Map<number, Run>();
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      pending += d;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const r = JSON.parse(pending.slice(0, nl)) as BatchResult;
        pending = pending.slice(nl + 1);
        done.set(r.i, { code: r.code, stdout: r.stdout, stderr: r.stderr });
      }
    });
    child.stderr.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(done);
    });
    child.stdin.end(JSON.stringify(argvs));
  });
}

const CASES = catalogue();
const results = new Map<string, Run>();

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-bad-input-'));
  writeTinyCsv(tmp, 'tiny.csv', 20);
  const argvs = CASES.map((c, i) => {
    const argv = c.args();
    if (c.command === 'local') argv.push('--keep', '--out', path.join(tmp, `out-${i}`));
    return c.command === '(none)' ? argv : [c.command, ...argv];
  });
  // one process per core, the cases dealt round-robin
  const groups = Array.from({ length: os.availableParallelism() }, (_, g) => argvs.map((_a, i) => i).filter((i) => i % os.availableParallelism() === g));
  const finished = await Promise.all(groups.map((group) => runBatch(group.map((i) => argvs[i]))));
  for (const [g, group] of groups.entries()) {
    for (const [k, i] of group.entries()) {
      const r = finished[g].get(k) ?? (await run(argvs[i])); // the batch died or hung before this case: alone
      results.set(CASES[i].name, { ...r, out: CASES[i].command === 'local' ? path.join(tmp, `out-${i}`) : undefined });
    }
  }
}, 300_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the bad-input catalogue', () => {
  it('has at least 30 cases over specs, datasets and arguments of local, train, validate, report and predict', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    for (const cmd of ['local', 'train', 'validate', 'report', 'predict'] as const)
      expect(CASES.filter((c) => c.command === cmd).length).toBeGreaterThanOrEqual(5);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s: one line naming the problem, exit 2, no stack trace', (_name, c) => {
    const r = results.get(c.name)!;
    const lines = r.stderr.replace(/\n$/, '').split('\n');
    const context = `stderr was:\n${r.stderr}`;
    expect({ code: r.code, context }).toEqual({ code: 2, context });
    expect(r.stdout).toBe('');
    expect(lines[0]).toMatch(/^regsweep: error: /);
    expect(lines[0]).toMatch(c.message);
    // one line; commander's usage errors may add its fixed hint, nothing else
    expect(lines.slice(1).filter((l) => l !== HINT)).toEqual([]);
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    for (const secret of Object.values(FAKE_CREDENTIALS)) expect(r.stdout + r.stderr).not.toContain(secret);
    if (c.command === 'local') expect(fs.existsSync(r.out!)).toBe(false); // refused before anything was created, --out included
  });
});
