import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError, SpecError } from '../../../../shared/errors';
import {
  checkDatasetSize,
  DEFAULT_MAX_DATASET_BYTES,
  parseDataset,
  readDatasetFile,
  usedColumns,
  type Dataset,
  type ParseOptions,
} from '../../../../shared/data/parse';
import { planSplits, type SplitOptions, type SplitPlan } from '../../../../shared/data/splits';
import { fitStandardizer, selectTargets, standardizeRows } from '../../../../shared/data/standardize';
import { rawMatrix } from '../../../support/data';

const DATA = join(__dirname, '../../../../examples/data');
const DIABETES_FEATURES = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];
const DEFAULT_SPLIT: SplitOptions = { folds: 5, holdout: 0.2, testFraction: 0.2, seed: 42 };

const loadDiabetes = () => readDatasetFile(join(DATA, 'diabetes.csv'), { target: 'progression', task: 'regression' });
const loadBreastCancer = () => readDatasetFile(join(DATA, 'breast_cancer.csv'), { target: 'malignant', task: 'classification' });

/** CSV text from rows of cells. */
const csv = (...rows: (string | number)[][]) => rows.map((r) => r.join(',')).join('\n') + '\n';
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sum = (a: number[]) => a.reduce((p, q) => p + q, 0);
const mean = (a: number[]) => sum(a) / a.length;
const featureNames = (ds: Dataset) => usedColumns(ds).map((c) => c.name);
const popStd = (a: number[]) => Math.sqrt(mean(a.map((v) => (v - mean(a)) ** 2)));

/** A small regression dataset built in memory: `n` rows, columns a, b, y. */
function regressionRows(n: number): Dataset {
  const rows = range(n).map((i) => [i, (i * 7) % 5, 2 * i + 1]);
  return parseDataset(csv(['a', 'b', 'y'], ...rows), { name: 'r.csv', target: 'y', task: 'regression' });
}

/** A classification dataset with the given number of rows per class. */
function classificationRows(perClass: number[]): Dataset {
  const rows = perClass.flatMap((count, label) => range(count).map((i) => [i, label * 10 + (i % 3), label]));
  return parseDataset(csv(['a', 'b', 'y'], ...rows), { name: 'c.csv', target: 'y', task: 'classification' });
}

function expectValidPlan(plan: SplitPlan, n: number): void {
  expect(plan.test.filter((i) => plan.trainval.includes(i))).toEqual([]);
  expect([...plan.test, ...plan.trainval].sort((a, b) => a - b)).toEqual(range(n));
  for (const fold of plan.folds) {
    expect(fold.train.filter((i) => fold.validation.includes(i))).toEqual([]);
    expect([...fold.train, ...fold.validation].sort((a, b) => a - b)).toEqual(plan.trainval);
  }
}

describe('parseDataset', () => {
  it('reads diabetes.csv: 442 rows, 10 features in file order, target mean 152.13', async () => {
    // Prepare / Act
    const ds = await loadDiabetes();

    // Assess
    expect(ds.name).toBe('diabetes.csv');
    expect(featureNames(ds)).toEqual(DIABETES_FEATURES);
    expect(ds.target).toBe('progression');
    expect(rawMatrix(ds).x).toHaveLength(442);
    expect(ds.y).toHaveLength(442);
    expect(rawMatrix(ds).x.every((row) => row.length === 10)).toBe(true);
    expect(rawMatrix(ds).x[0]).toEqual([59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87]);
    expect(ds.y[0]).toBe(151);
    expect(mean(ds.y)).toBeCloseTo(152.133, 3);
    expect(ds.classes).toBeUndefined();
    expect(ds.split).toBeUndefined();
    expect(ds.constantColumns).toEqual([]);
  });

  it('reads breast_cancer.csv as binary classification: 212 malignant of 569', async () => {
    // Prepare / Act
    const ds = await loadBreastCancer();

    // Assess
    expect(rawMatrix(ds).x).toHaveLength(569);
    expect(featureNames(ds)).toHaveLength(30);
    expect(ds.classes).toBe(2);
    expect(ds.y.filter((v) => v === 1)).toHaveLength(212);
  });

  it('reads JSON Lines into the same dataset as the equivalent CSV', () => {
    // Prepare
    const rows = [
      { a: 1.5, b: -2, y: 0 },
      { a: 2.5, b: 0, y: 1 },
      { a: -0.25, b: 1e-3, y: 2 },
    ];
    const csvText = csv(['a', 'b', 'y'], ...rows.map((r) => [r.a, r.b, r.y]));
    const jsonl = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const opts = { target: 'y', task: 'classification' } as const;

    // Act
    const fromCsv = parseDataset(csvText, { ...opts, name: 'small.csv' });
    const fromJsonl = parseDataset(jsonl, { ...opts, name: 'small.jsonl' });

    // Assess
    expect({ ...fromJsonl, name: 'small.csv' }).toEqual(fromCsv);
    expect(rawMatrix(fromJsonl).x).toEqual([
      [1.5, -2],
      [2.5, 0],
      [-0.25, 0.001],
    ]);
    expect(fromJsonl.classes).toBe(3);
  });

  it('picks the format from the extension (.ndjson is JSON Lines) unless format is given', () => {
    // Prepare
    const text = '{"a": 1, "y": 2}\n{"a": 3, "y": 4}\n';

    // Act
    const byName = parseDataset(text, { name: 'd.ndjson', target: 'y', task: 'regression' });
    const byOption = parseDataset(text, { name: 'data.txt', target: 'y', task: 'regression', format: 'jsonl' });

    // Assess
    expect(rawMatrix(byName).x).toEqual([[1], [3]]);
    expect(byOption.y).toEqual([2, 4]);
  });

  it('uses exactly the requested features, in the requested order', () => {
    // Prepare
    const text = csv(['id', 'a', 'b', 'c', 'y'], ['x1', 1, 2, 3, 9], ['x2', 4, 5, 6, 8]);

    // Act
    const ds = parseDataset(text, { name: 't.csv', target: 'y', task: 'regression', features: ['c', 'a'] });

    // Assess: the non-numeric `id` column is never read
    expect(featureNames(ds)).toEqual(['c', 'a']);
    expect(rawMatrix(ds).x).toEqual([
      [3, 1],
      [6, 4],
    ]);
  });

  it('accepts a UTF-8 BOM (text and bytes), CRLF line ends, blank lines and whitespace around numbers', () => {
    // Prepare
    const text = '\uFEFFa,y\r\n 1.5 ,\t2\r\n\r\n  -3e2,+4 \r\n';
    const bytes = new TextEncoder().encode(text);

    // Act
    const fromText = parseDataset(text, { name: 't.csv', target: 'y', task: 'regression' });
    const fromBytes = parseDataset(bytes, { name: 't.csv', target: 'y', task: 'regression' });

    // Assess
    expect(featureNames(fromText)).toEqual(['a']);
    expect(rawMatrix(fromText).x).toEqual([[1.5], [-300]]);
    expect(fromText.y).toEqual([2, 4]);
    expect(fromBytes).toEqual(fromText);
  });

  it.each([
    ['semicolon', ';'],
    ['tab', '\t'],
  ])('detects a %s-delimited file from its header and reads it like the comma-delimited one', (_name, d) => {
    // Prepare
    const rows = [
      ['a', 'b', 'y'],
      [1, 2.5, 3],
      [4, -5, 6],
      [7, 8, 9],
    ];
    const text = rows.map((r) => r.join(d)).join('\n') + '\n';

    // Act
    const ds = parseDataset(text, { name: 't.csv', target: 'y', task: 'regression' });

    // Assess
    expect(ds).toEqual(parseDataset(csv(...rows), { name: 't.csv', target: 'y', task: 'regression' }));
    expect(featureNames(ds)).toEqual(['a', 'b']);
    expect(rawMatrix(ds).x).toEqual([
      [1, 2.5],
      [4, -5],
      [7, 8],
    ]);
  });

  it('counts delimiters in the header outside quotes only: quoted semicolons keep a comma-delimited file', () => {
    // Prepare: two semicolons inside quotes, one comma outside
    const text = '\uFEFF\n"a;b;c",y\n1,2\n3,4\n';

    // Act
    const ds = parseDataset(text, { name: 't.csv', target: 'y', task: 'regression' });

    // Assess
    expect(featureNames(ds)).toEqual(['a;b;c']);
    expect(rawMatrix(ds).x).toEqual([[1], [3]]);
  });

  it('reads a `split` column case-insensitively and never as a feature', () => {
    // Prepare
    const text = csv(['a', 'split', 'y'], [1, 'Train', 1], [2, ' TEST ', 2], [3, 'validation', 3]);

    // Act
    const ds = parseDataset(text, { name: 's.csv', target: 'y', task: 'regression' });

    // Assess
    expect(featureNames(ds)).toEqual(['a']);
    expect(ds.split).toEqual(['train', 'test', 'validation']);
  });

  it('lists a constant feature in constantColumns', () => {
    // Prepare
    const text = csv(['a', 'k', 'y'], [1, 7, 0], [2, 7, 1], [3, 7, 0]);

    // Act
    const ds = parseDataset(text, { name: 'k.csv', target: 'y', task: 'classification' });

    // Assess
    expect(ds.constantColumns).toEqual(['k']);
  });

  it('reports a missing file as a DatasetError naming the file', async () => {
    await expect(readDatasetFile(join(DATA, 'nope.csv'), { target: 'y', task: 'regression' })).rejects.toThrow(
      /^nope\.csv: cannot read .*nope\.csv: no such file$/,
    );
  });

  describe('readDatasetFile: only regular files, up to maxBytes, refused before reading', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'regsweep-data-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each<[string, () => string, RegExp]>([
      ['a directory', () => dir, /is a directory, not a regular file$/],
      ['a character device (/dev/zero, which never ends)', () => '/dev/zero', /^zero: cannot read \/dev\/zero: is a character device, not a regular file$/],
      [
        'a named pipe (which would block until a writer comes)',
        () => {
          const fifo = join(dir, 'pipe.csv');
          execFileSync('mkfifo', [fifo]);
          return fifo;
        },
        /^pipe\.csv: cannot read .*pipe\.csv: is a named pipe \(FIFO\), not a regular file$/,
      ],
    ])('refuses %s at once', async (_name, target, message) => {
      // Prepare
      const file = target();

      // Act
      const read = readDatasetFile(file, { target: 'y', task: 'regression' });

      // Assess
      await expect(read).rejects.toThrow(DatasetError);
      await expect(read).rejects.toThrow(message);
    });

    it('refuses a file over maxBytes with its size and the limit to raise; accepts one of exactly maxBytes', async () => {
      // Prepare
      const file = join(dir, 'small.csv');
      writeFileSync(file, csv(['a', 'y'], [1, 2], [3, 4]));
      const size = statSync(file).size;

      // Act
      const over = () => readDatasetFile(file, { target: 'y', task: 'regression', maxBytes: size - 1 });
      const at = await readDatasetFile(file, { target: 'y', task: 'regression', maxBytes: size });

      // Assess
      await expect(over()).rejects.toThrow(DatasetError);
      await expect(over()).rejects.toThrow(
        new RegExp(`^small\\.csv: the file is ${size} bytes, over limits\\.maxDatasetBytes = ${size - 1} bytes; raise limits\\.maxDatasetBytes in the spec`),
      );
      expect(at.y).toEqual([2, 4]);
    });

    it('has a default limit of 100 MB', () => {
      expect(DEFAULT_MAX_DATASET_BYTES).toBe(100 * 1024 * 1024);
      expect(() => checkDatasetSize('big.csv', DEFAULT_MAX_DATASET_BYTES + 1, DEFAULT_MAX_DATASET_BYTES)).toThrow(
        /^big\.csv: the file is 100\.0 MB \(104857601 bytes\), over limits\.maxDatasetBytes = 100 MB \(104857600 bytes\)/,
      );
    });
  });

  const latin1 = new Uint8Array([...new TextEncoder().encode('a,y\n1,2\n'), 0x63, 0x61, 0x66, 0xe9, 0x2c, 0x31, 0x0a]);
  const cases: [string, string | Uint8Array, Partial<ParseOptions>, RegExp][] = [
    ['an empty file', '', {}, /^t\.csv: the file is empty$/],
    ['a file of blank lines and a BOM', '\uFEFF\n  \n', {}, /^t\.csv: the file is empty$/],
    ['a header only', 'a,b,y\n', {}, /^t\.csv: too few rows: the file has a header but no data rows; need at least 2$/],
    ['a single data row', 'a,b,y\n1,2,3\n', {}, /^t\.csv: too few rows: the file has only 1 data row/],
    ['a duplicate header name', 'a,b,a,y\n1,2,3,4\n5,6,7,8\n', {}, /^t\.csv line 1: duplicate column name "a" \(columns 1 and 3\)$/],
    ['an unnamed column', 'a,,y\n1,2,3\n5,6,7\n', {}, /^t\.csv line 1: column 2 has no name$/],
    ['a missing target', 'a,b,y\n1,2,3\n4,5,6\n', { target: 'z' }, /^t\.csv: target column "z" not found; available columns: "a", "b", "y"$/],
    ['a missing feature', 'a,b,y\n1,2,3\n4,5,6\n', { features: ['a', 'q'] }, /^t\.csv: feature column "q" not found; available columns: "a", "b", "y"$/],
    ['the target as a feature', 'a,b,y\n1,2,3\n4,5,6\n', { features: ['a', 'y'] }, /^t\.csv: feature "y" is the target column$/],
    ['the split column as a feature', 'a,split,y\n1,train,3\n4,test,6\n', { features: ['split'] }, /^t\.csv: column "split" .*cannot be a feature$/],
    [
      'a text cell in a column of numbers',
      'a,b,y\n1,2,3\n4,5,6\n7,abc,9\n',
      {},
      /^t\.csv row 3 \(line 4\), column "b": not a number: "abc" \(the column is mostly numbers: add the value to dataset\.missing, or declare the column categorical\)$/,
    ],
    ['a hex number', 'a,b,y\n1,2,3\n0x1F,5,6\n7,8,9\n', {}, /^t\.csv row 2 \(line 3\), column "a": not a number: "0x1F" \(the column is mostly numbers/],
    [
      'a non-numeric regression target after a blank line',
      'a,y\n1,2\n\n3,x\n',
      {},
      /^t\.csv row 2 \(line 4\), column "y": not a number: "x" \(a regression target must be a number\)$/,
    ],
    [
      'a target missing in more than 90% of the rows',
      `a,y\n${range(10)
        .map((i) => `${i},NA`)
        .join('\n')}\n10,1\n`,
      {},
      /^t\.csv, column "y": the target is missing in 10 of 11 rows \(row 1 \(line 2\), row 2 \(line 3\), row 3 \(line 4\) and 7 more\); at most 90% may miss it$/,
    ],
    ['a target left in 1 row', 'a,y\n1,2\n3,\n', {}, /^t\.csv, column "y": the target is missing in 1 of 2 rows \(row 2 \(line 3\)\)/],
    [
      'a constant regression target',
      'a,y\n1,5\n2,5\n3,\n',
      {},
      /^t\.csv, column "y": the target is constant \(5 in every row that has it\): there is nothing to learn$/,
    ],
    ['Infinity', 'a,y\n1,2\nInfinity,3\n', {}, /^t\.csv row 2 \(line 3\), column "a": not a finite number: "Infinity" \(the column is mostly numbers/],
    ['-inf', 'a,y\n1,2\n3,-inf\n', {}, /^t\.csv row 2 \(line 3\), column "y": not a finite number: "-inf" \(a regression target must be a number\)$/],
    ['a value that overflows', 'a,y\n1e999,2\n3,4\n', {}, /^t\.csv row 1 \(line 2\), column "a": value "1e999" overflows to Infinity \(the column/],
    ['a row with too few fields', 'a,b,y\n1,2,3\n4,5\n', {}, /^t\.csv row 2 \(line 3\): expected 3 fields \(as in the header\), got 2$/],
    ['a row with too many fields', 'a,b,y\n1,2,3\n4,5,6\n7,8,9,10\n', {}, /^t\.csv row 3 \(line 4\): expected 3 fields .*got 4$/],
    ['an unclosed quote', 'a,y\n1,2\n"3,4\n', {}, /^t\.csv line \d+: invalid CSV: Quote Not Closed/],
    ['non-UTF-8 bytes (Latin-1)', latin1, {}, /^t\.csv line 3: not valid UTF-8 text/],
    [
      'a single class',
      'a,y\n1,1\n2,1\n3,1\n',
      { task: 'classification' },
      /^t\.csv, column "y": only one class \(1\) present; classification needs at least 2$/,
    ],
    [
      'an unknown split value',
      'a,split,y\n1,train,1\n2,holdout,2\n',
      {},
      /^t\.csv row 2 \(line 3\), column "split": unknown split "holdout"; use train, validation or test$/,
    ],
    ['JSONL: a line that is not JSON', '{"a": 1, "y": 2}\n{"a": 3, y: 4}\n', { name: 't.jsonl' }, /^t\.jsonl row 2 \(line 2\): not valid JSON \(.+\)$/],
    ['JSONL: a line that is an array', '{"a": 1, "y": 2}\n\n[3, 4]\n', { name: 't.jsonl' }, /^t\.jsonl row 2 \(line 3\): not a JSON object, got an array$/],
    ['JSONL: a line that is a number', '7\n', { name: 't.jsonl' }, /^t\.jsonl row 1 \(line 1\): not a JSON object, got 7$/],
    [
      'JSONL: a key not in the first line',
      '{"a": 1, "y": 2}\n{"a": 3, "y": 4, "b": 5}\n',
      { name: 't.jsonl' },
      /^t\.jsonl row 2 \(line 2\): key "b" is not a column/,
    ],
    [
      'JSONL: a text value in a column of numbers',
      '{"a": 1, "y": 2}\n{"a": "x", "y": 4}\n{"a": 3, "y": 5}\n',
      { name: 't.jsonl' },
      /^t\.jsonl row 2 \(line 2\), column "a": not a number: "x" \(the column is mostly numbers/,
    ],
    [
      'JSONL: a value that overflows',
      '{"a": 1, "y": 2}\n{"a": 1e999, "y": 4}\n',
      { name: 't.jsonl' },
      /^t\.jsonl row 2 \(line 2\), column "a": value overflows to Infinity \(the column/,
    ],
    [
      'JSONL: a target left in 1 row (null and absent values)',
      '{"a": 1, "y": 2}\n{"a": null}\n',
      { name: 't.jsonl' },
      /^t\.jsonl, column "y": the target is missing in 1 of 2 rows \(row 2 \(line 2\)\)/,
    ],
  ];

  it.each(cases)('rejects %s with a one-line DatasetError naming where', (_label, content, extra, message) => {
    // Prepare
    const opts: ParseOptions = { name: 't.csv', target: 'y', task: 'regression', ...extra };

    // Act
    const act = () => parseDataset(content, opts);

    // Assess
    expect(act).toThrow(DatasetError);
    expect(act).toThrow(message);
    expect(act).not.toThrow(/\n/);
  });
});

describe('planSplits', () => {
  it('holds out round(0.2 n) test rows and partitions the rest into 5 folds of near-equal size', async () => {
    // Prepare
    const ds = await loadDiabetes();

    // Act
    const plan = planSplits(ds, DEFAULT_SPLIT);

    // Assess
    expect(plan.test).toHaveLength(88);
    expect(plan.trainval).toHaveLength(354);
    expectValidPlan(plan, 442);
    expect(plan.folds.map((f) => f.validation.length)).toEqual([71, 71, 71, 71, 70]);
    expect(plan.folds.flatMap((f) => f.validation).sort((a, b) => a - b)).toEqual(plan.trainval);
  });

  it('makes a single holdout of round(holdout * trainval) rows when folds = 1', async () => {
    // Prepare
    const ds = await loadDiabetes();

    // Act
    const plan = planSplits(ds, { ...DEFAULT_SPLIT, folds: 1, holdout: 0.25 });

    // Assess
    expect(plan.folds).toHaveLength(1);
    expect(plan.folds[0].validation).toHaveLength(Math.round(0.25 * 354));
    expectValidPlan(plan, 442);
  });

  it('is deterministic: the same seed gives the same plan, another seed another plan', async () => {
    // Prepare
    const ds = await loadDiabetes();

    // Act
    const a = planSplits(ds, DEFAULT_SPLIT);
    const b = planSplits(ds, DEFAULT_SPLIT);
    const c = planSplits(ds, { ...DEFAULT_SPLIT, seed: 43 });

    // Assess
    expect(b).toEqual(a);
    expect(c.test).not.toEqual(a.test);
    expect(c.folds[0].validation).not.toEqual(a.folds[0].validation);
  });

  it('keeps the same test split whatever the number of folds', async () => {
    // Prepare
    const ds = await loadBreastCancer();

    // Act
    const five = planSplits(ds, DEFAULT_SPLIT);
    const holdout = planSplits(ds, { ...DEFAULT_SPLIT, folds: 1 });

    // Assess
    expect(holdout.test).toEqual(five.test);
  });

  it('stratifies breast_cancer.csv: the test split and every fold keep the overall class ratio', async () => {
    // Prepare
    const ds = await loadBreastCancer();
    const ratio = (rows: number[]) => rows.filter((i) => ds.y[i] === 1).length / rows.length;
    const overall = ratio(range(ds.y.length));

    // Act
    const plan = planSplits(ds, DEFAULT_SPLIT);

    // Assess
    expectValidPlan(plan, 569);
    expect(Math.abs(ratio(plan.test) - overall)).toBeLessThan(0.01);
    for (const fold of plan.folds) {
      expect(Math.abs(ratio(fold.validation) - overall)).toBeLessThan(0.02);
      expect(Math.abs(ratio(fold.train) - overall)).toBeLessThan(0.02);
    }
    const sizes = plan.folds.map((f) => f.validation.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it.each([
    ['5 folds', 5],
    ['a holdout', 1],
  ])('puts every class in the training rows of every fold with %s, even a rare class', (_label, folds) => {
    // Prepare: 30 rows of class 0, 2 of class 1, 3 of class 2
    const ds = classificationRows([30, 2, 3]);

    // Act
    const plan = planSplits(ds, { ...DEFAULT_SPLIT, folds });

    // Assess
    expectValidPlan(plan, 35);
    for (const fold of plan.folds) {
      expect(new Set(fold.train.map((i) => ds.y[i]))).toEqual(new Set([0, 1, 2]));
    }
  });

  it('follows a split column with validation rows: one fold (folds = 1)', () => {
    // Prepare
    const labels = ['train', 'test', 'validation', 'train', 'train', 'test', 'validation', 'train'];
    const text = csv(['a', 'split', 'y'], ...labels.map((s, i) => [i, s, i * 2]));
    const ds = parseDataset(text, { name: 's.csv', target: 'y', task: 'regression' });

    // Act
    const plan = planSplits(ds, { ...DEFAULT_SPLIT, folds: 1 });

    // Assess
    expect(plan.test).toEqual([1, 5]);
    expect(plan.trainval).toEqual([0, 2, 3, 4, 6, 7]);
    expect(plan.folds).toEqual([{ train: [0, 3, 4, 7], validation: [2, 6] }]);
  });

  it('refuses k folds on a split column with validation rows (they make one holdout), naming validation.folds and the column', () => {
    // Prepare
    const labels = ['train', 'test', 'validation', 'train', 'train', 'test', 'validation', 'train'];
    const ds = parseDataset(csv(['a', 'split', 'y'], ...labels.map((s, i) => [i, s, i * 2])), { name: 's.csv', target: 'y', task: 'regression' });

    // Act
    const act = () => planSplits(ds, { ...DEFAULT_SPLIT, folds: 3 });

    // Assess
    expect(act).toThrow(SpecError);
    expect(act).toThrow(
      /^validation\.folds is 3, but s\.csv, column "split": the rows labeled validation \(2\) make a single holdout; set validation\.folds to 1, or label those rows train to cross-validate over 3 folds$/,
    );
  });

  it('follows a split column without validation rows: k-fold over the train rows', () => {
    // Prepare
    const labels = range(20).map((i) => (i % 4 === 0 ? 'test' : 'train'));
    const text = csv(['a', 'split', 'y'], ...labels.map((s, i) => [i, s, i]));
    const ds = parseDataset(text, { name: 's.csv', target: 'y', task: 'regression' });

    // Act
    const plan = planSplits(ds, { ...DEFAULT_SPLIT, folds: 3 });

    // Assess
    expect(plan.test).toEqual([0, 4, 8, 12, 16]);
    expect(plan.folds.map((f) => f.validation.length)).toEqual([5, 5, 5]);
    expectValidPlan(plan, 20);
  });

  const planErrors: [string, () => Dataset, Partial<SplitOptions>, RegExp][] = [
    [
      'fewer rows than the folds need',
      () => regressionRows(5),
      { folds: 5 },
      /^r\.csv: too few rows for 5 folds: 5 rows, 1 held out for test, 4 left; each fold needs at least 1 validation and 2 training rows \(need at least 6 rows\)$/,
    ],
    [
      'too few rows for a holdout',
      () => regressionRows(3),
      { folds: 1 },
      /^r\.csv: too few rows for a holdout of 0\.2: 3 rows, 1 held out for test, 2 left; .*\(need at least 4 rows\)$/,
    ],
    [
      'a class with a single row under k-fold',
      () => classificationRows([10, 1]),
      { folds: 3 },
      /^c\.csv, column "y": class 1 has only 1 non-test row; with 3 folds/,
    ],
    [
      'a split column with no test rows',
      () => parseDataset(csv(['a', 'split', 'y'], [1, 'train', 1], [2, 'validation', 2]), { name: 's.csv', target: 'y', task: 'regression' }),
      {},
      /^s\.csv, column "split": no row is labeled test/,
    ],
    [
      'a split column with too few train rows for the folds',
      () => parseDataset(csv(['a', 'split', 'y'], [1, 'train', 1], [2, 'train', 2], [3, 'test', 3]), { name: 's.csv', target: 'y', task: 'regression' }),
      { folds: 2 },
      /^s\.csv, column "split": too few rows labeled train for 2 folds: 2 rows; .*\(need at least 4\)$/,
    ],
  ];

  it.each(planErrors)('rejects %s with a DatasetError saying how many rows and folds', (_label, dataset, opts, message) => {
    // Prepare
    const ds = dataset();

    // Act
    const act = () => planSplits(ds, { ...DEFAULT_SPLIT, ...opts });

    // Assess
    expect(act).toThrow(DatasetError);
    expect(act).toThrow(message);
  });

  it('accepts the smallest dataset the folds need', () => {
    // Prepare: 6 rows -> 1 test, 5 left; 5 folds of 1 validation and 4 training rows (5 rows fail above)
    const ds = regressionRows(6);

    // Act
    const plan = planSplits(ds, DEFAULT_SPLIT);

    // Assess
    expectValidPlan(plan, 6);
    expect(plan.folds.map((f) => [f.validation.length, f.train.length])).toEqual(Array(5).fill([1, 4]));
  });
});

describe('standardizer', () => {
  it('computes the mean and population std (ddof 0) of the given rows', () => {
    // Prepare
    const x = [[1], [2], [3], [4], [100]];

    // Act
    const s = fitStandardizer(x, [0, 1, 2, 3]);

    // Assess: row 4 is not in the fit
    expect(s.mean[0]).toBeCloseTo(2.5, 12);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(1.25), 12);
  });

  it('fits on train rows only: train rows get mean 0 and population std 1; whole-data statistics differ', async () => {
    // Prepare
    const ds = await loadDiabetes();
    const { train } = planSplits(ds, DEFAULT_SPLIT).folds[0];
    const { x } = rawMatrix(ds);

    // Act
    const s = fitStandardizer(x, train);
    const z = standardizeRows(s, x, train);
    const whole = fitStandardizer(x, range(x.length));

    // Assess
    expect(z).toHaveLength(train.length * featureNames(ds).length);
    featureNames(ds).forEach((_, j) => {
      const col = train.map((r) => (x[r][j] - s.mean[j]) / s.std[j]);
      expect(Math.abs(mean(col))).toBeLessThan(1e-9);
      expect(Math.abs(popStd(col) - 1)).toBeLessThan(1e-9);
      train.forEach((_r, i) => expect(z[i * featureNames(ds).length + j]).toBeCloseTo(col[i], 5));
      expect(Math.abs(whole.mean[j] - s.mean[j])).toBeGreaterThan(1e-9);
      expect(Math.abs(whole.std[j] - s.std[j])).toBeGreaterThan(1e-9);
    });
  });

  it('stores std 1 for a constant column, so standardized values are 0, never NaN', () => {
    // Prepare: column 0 constant everywhere, column 1 constant on the fitted rows only
    const x = [
      [0.1, 5, 1],
      [0.1, 5, 2],
      [0.1, 5, 4],
      [0.1, 9, 8],
    ];

    // Act
    const s = fitStandardizer(x, [0, 1, 2]);
    const z = standardizeRows(s, x, [0, 1, 2, 3]);

    // Assess
    expect(s.std.slice(0, 2)).toEqual([1, 1]);
    expect(Array.from(z).every(Number.isFinite)).toBe(true);
    expect([z[0], z[3], z[6], z[9]]).toEqual([0, 0, 0, 0]);
    expect([z[1], z[4], z[7]]).toEqual([0, 0, 0]);
    expect(z[10]).toBe(4);
  });

  it('selects the targets of the given rows as a Float32Array', () => {
    // Act
    const t = selectTargets([10, 20, 30, 40], [3, 1]);

    // Assess
    expect(t).toBeInstanceOf(Float32Array);
    expect(Array.from(t)).toEqual([40, 20]);
  });
});
