/**
 * Real tables: formats, column roles, missing values, class labels, and the per-fold preprocessor, against
 * hand-worked answers.
 */
import { inferRole, convertCell } from '../../../../shared/data/columns';
import { parseDataset, usedColumns, type Dataset, type ParseOptions } from '../../../../shared/data/parse';
import { taskOfTarget } from '../../../../shared/data/labels';
import { applyPreprocessor, encodeRows, fitPreprocessor, PreprocessorSchema, transformRows } from '../../../../shared/data/preprocess';
import { readTable } from '../../../../shared/data/read';
import { summarizeDataset } from '../../../../shared/data/summary';
import { DatasetError, SpecError } from '../../../../shared/errors';
import { parseSpec } from '../../../../shared/search/spec';

const csv = (...rows: (string | number)[][]) => rows.map((r) => r.join(',')).join('\n') + '\n';
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const parse = (text: string, opts: Partial<ParseOptions> = {}) => parseDataset(text, { name: 't.csv', target: 'y', task: 'regression', ...opts });
const role = (ds: Dataset, name: string) => ds.columns.find((c) => c.name === name)?.role;
const rows2d = (x: Float32Array, p: number) => range(x.length / p).map((i) => Array.from(x.subarray(i * p, (i + 1) * p)));

describe('formats', () => {
  it('reads a JSON array of objects: columns are the keys in order of first use, an absent key is missing', () => {
    // Prepare: row 2 lacks "b", row 3 adds "c"
    const text = JSON.stringify([
      { a: 1, b: 'x', y: 10 },
      { a: 2, y: 20 },
      { a: 3, b: 'z', c: true, y: 30 },
    ]);

    // Act: the .txt name says nothing; the leading `[` says JSON
    const { format, table } = readTable(`  ${text}`, 'data.txt');
    const ds = parseDataset(text, { name: 'data.json', target: 'y', task: 'regression' });

    // Assess
    expect(format).toBe('json');
    expect(table.columns).toEqual(['a', 'b', 'y', 'c']);
    expect(table.rows[1].cells).toEqual([2, undefined, 20, undefined]);
    expect(ds.columns.map((c) => [c.name, c.role])).toEqual([
      ['a', 'numeric'],
      ['b', 'categorical'],
      ['c', 'boolean'],
    ]);
    expect(ds.columns[1].values).toEqual(['x', null, 'z']);
    expect(Array.from(ds.columns[2].values as Float64Array)).toEqual([NaN, NaN, 1]); // numbers: NaN is missing
  });

  it.each([
    ['an object', '{"a": 1}', /^t\.json: not a JSON array of objects, got \{"a":1\}$/],
    ['an array of numbers', '[{"a": 1, "y": 2}, 3]', /^t\.json row 2: not a JSON object, got 3$/],
    ['broken JSON', '[{"a": 1,', /^t\.json: not valid JSON \(/],
  ])('refuses a JSON file that is %s, naming the file and row', (_label, text, message) => {
    expect(() => parseDataset(text, { name: 't.json', target: 'y', task: 'regression' })).toThrow(message);
  });
});

describe('column roles', () => {
  it('infers numeric, boolean, categorical, date, identifier and free text, and drops the last two with the reason', () => {
    // Prepare: 24 rows
    const header = ['num', 'flag', 'color', 'day', 'id', 'note', 'y'];
    const rows = range(24).map((i) => [
      i * 1.5,
      i % 2 ? 'TRUE' : 'false',
      ['red', 'green'][i % 2],
      `2020-01-${String(i + 1).padStart(2, '0')}`,
      `id-${i}`,
      `note ${i % 20}`, // 20 distinct values in 24 rows: most rows have a value of their own
      i,
    ]);

    // Act
    const ds = parse(csv(header, ...rows), { maxCategories: 10 });

    // Assess
    expect(ds.columns.map((c) => c.role)).toEqual(['numeric', 'boolean', 'categorical', 'date', 'identifier', 'text']);
    expect(ds.columns[4].reason).toBe('a different value in every row (an identifier)');
    expect(ds.columns[5].reason).toBe('free text: 20 distinct values, over 10 (dataset.maxCategories), and most of the 24 rows have a value of their own');
    expect(Array.from((ds.columns[1].values as Float64Array).slice(0, 2))).toEqual([0, 1]);
    expect(ds.columns[3].values[0]).toBe(18262); // 2020-01-01 is day 18262 after 1970-01-01
    expect(usedColumns(ds).map((c) => c.name)).toEqual(['num', 'flag', 'color', 'day']);
  });

  it('turns dates into days since 1970-01-01 UTC, a time of day as a fraction', () => {
    expect(convertCell('1970-01-02', 'date')).toEqual({ ok: true, value: 1 });
    expect(convertCell('1970-01-01T12:00:00', 'date')).toEqual({ ok: true, value: 0.5 }); // no zone: UTC
    expect(convertCell('1970-01-01T06:00:00Z', 'date')).toEqual({ ok: true, value: 0.25 });
    expect(convertCell('1970-01-01T00:00:00+06:00', 'date')).toEqual({ ok: true, value: -0.25 });
    expect(convertCell('31/01/1970', 'date')).toMatchObject({ ok: false });
  });

  it('mixed numbers and text: mostly numbers is a numeric column whose text cell is an error; mostly text is categorical', () => {
    // Prepare: b has 3 numbers and 1 text; c has 1 number and 3 texts
    const mostlyNumbers = csv(['b', 'y'], [1, 1], [2, 2], ['oops', 3], [4, 4]);
    const mostlyText = csv(['c', 'y'], ['low', 1], ['high', 2], [3, 3], ['low', 4]);

    // Act / Assess
    expect(() => parse(mostlyNumbers)).toThrow(DatasetError);
    expect(() => parse(mostlyNumbers)).toThrow(/^t\.csv row 3 \(line 4\), column "b": not a number: "oops" \(the column is mostly numbers/);
    expect(() => parse(mostlyNumbers, { missing: ['oops'] })).not.toThrow();
    expect(role(parse(mostlyNumbers, { categorical: ['b'] }), 'b')).toBe('categorical');
    const ds = parse(mostlyText);
    expect(role(ds, 'c')).toBe('categorical');
    expect(ds.columns[0].values).toEqual(['low', 'high', '3', 'low']);
    expect(inferRole([1, 2, 'x', null, null])).toEqual({ role: 'numeric', rule: 'most values numbers' }); // 2 of 3 present cells are numbers
    expect(inferRole([1, 'x', 'y'])).toEqual({ role: 'categorical', rule: 'text of 3 levels' });
  });

  it('infers roles on the non-test rows only: a column empty there is dropped whatever its test rows hold', () => {
    // Prepare: z has values only in the rows labeled test
    const rows = range(12).map((i) => [i, i % 4 === 0 ? 'test' : 'train', i % 4 === 0 ? i * 2 : '', i * 3 + (i % 5)]);
    const text = csv(['a', 'split', 'z', 'y'], ...rows);

    // Act
    const withSplit = parse(text, { split: { folds: 2, holdout: 0.2, testFraction: 0.2, seed: 1 } });
    const everyRow = parse(text);

    // Assess
    expect(role(withSplit, 'z')).toBe('empty');
    expect(withSplit.columns[1].reason).toBe('every value missing');
    expect(role(everyRow, 'z')).toBe('numeric');
  });

  it('takes roles from the spec: dataset.columns, drop and categorical; unknown columns and roles are refused naming the field', () => {
    // Prepare
    const text = csv(['code', 'size', 'name', 'y'], [1, 10, 'a', 1], [2, 20, 'b', 2], [1, 30, 'c', 3]);

    // Act
    const ds = parse(text, { columns: { code: 'categorical' }, drop: ['name'] });

    // Assess
    expect(ds.columns.map((c) => [c.name, c.role, c.declared])).toEqual([
      ['code', 'categorical', true],
      ['size', 'numeric', false],
      ['name', 'drop', true],
    ]);
    expect(ds.columns[0].values).toEqual(['1', '2', '1']);
    expect(() => parse(text, { drop: ['nmae'] })).toThrow(SpecError);
    expect(() => parse(text, { drop: ['nmae'] })).toThrow(/^dataset\.drop: no column "nmae" in t\.csv; its columns: "code", "size", "name"$/);
    expect(() => parse(text, { columns: { Size: 'numeric' } })).toThrow(/^dataset\.columns\.Size: no column "Size" in t\.csv/);
    expect(() => parse(text, { categorical: ['y'] })).toThrow(/^dataset\.categorical: "y" is the target column$/);
    expect(() => parse(text, { drop: ['code'], categorical: ['code'] })).toThrow(/^dataset\.categorical: column "code" is also given the role drop$/);
    expect(() => parse(text, { columns: { name: 'numeric' } })).toThrow(/^t\.csv row 1 \(line 2\), column "name": not a number: "a"$/);
    const spec = { dataset: { source: 'x.csv', target: 'y', task: 'regression', columns: { a: 'texte' } }, search: { types: ['none'] } };
    expect(() => parseSpec(spec)).toThrow(/dataset\.columns\.a: unknown role "texte"; use one of numeric, boolean, categorical, date, drop/);
  });

  it('refuses a table whose every feature is dropped, saying why each one is', () => {
    const rows = range(25).map((i) => [`id-${i}`, '', i % 3]);
    expect(() => parse(csv(['id', 'blank', 'y'], ...rows))).toThrow(
      /^t\.csv: every feature column is dropped \(id: a different value in every row \(an identifier\); blank: every value missing\): nothing to train on/,
    );
  });
});

describe('missing values and the target', () => {
  it('reads empty, null, NaN, NA, None and the dataset.missing markers as missing, in any case', () => {
    const ds = parse(csv(['a', 'y'], ['', 1], ['NaN', 2], ['na', 3], ['None', 4], ['?', 5], [' . ', 6], [7, 7]), { missing: ['?', '.'] });
    expect(Array.from(ds.columns[0].values as Float64Array)).toEqual([NaN, NaN, NaN, NaN, NaN, NaN, 7]);
  });

  it('drops rows without a target with a notice counting them', () => {
    // Act
    const ds = parse(csv(['a', 'y'], [1, 1], [2, ''], [3, 3], [4, 'NA'], [5, 5]));

    // Assess
    expect(ds.y).toEqual([1, 3, 5]);
    expect(Array.from(ds.columns[0].values as Float64Array)).toEqual([1, 3, 5]);
    expect(ds.droppedRows).toBe(2);
    expect(ds.notices).toEqual(['2 rows without a value of the target "y" dropped (row 2 (line 3), row 4 (line 5))']);
  });
});

describe('class labels', () => {
  const classify = (labels: (string | number | boolean)[], opts: Partial<ParseOptions> = {}) =>
    parseDataset(JSON.stringify(labels.map((y, i) => ({ a: i, y }))), { name: 't.json', target: 'y', task: 'classification', ...opts });

  it.each<[string, (string | number | boolean)[], string[], number[]]>([
    ['integers {0, 7}: 2 classes, not 8', [7, 0, 7, 0], ['0', '7'], [1, 0, 1, 0]],
    ['numbers in numeric order (9 before 10)', [10, 9, 10, 9], ['9', '10'], [1, 0, 1, 0]],
    ['strings in text order', ['Gentoo', 'Adelie', 'Chinstrap', 'Adelie'], ['Adelie', 'Chinstrap', 'Gentoo'], [2, 0, 1, 0]],
    ['booleans: false, true', [true, false, false, true], ['false', 'true'], [1, 0, 0, 1]],
    ['numbers written two ways ("7" and 7.0 are one class)', ['7', 7.0, '0', 0], ['0', '7'], [1, 1, 0, 0]],
  ])('maps %s to classes 0..K-1 keeping their names', (_label, labels, names, y) => {
    const ds = classify(labels);
    expect(ds.classNames).toEqual(names);
    expect(ds.classes).toBe(names.length);
    expect(ds.y).toEqual(y);
  });

  it('suggests classification for a target holding text or booleans, regression for numbers (missing cells ignored)', () => {
    const task = (text: string) => taskOfTarget(readTable(text, 't.csv').table, 'y');
    expect(task('a,y\n1,Adelie\n2,Gentoo\n')).toBe('classification');
    expect(task('a,y\n1,1.5\n2,NA\n3,7\n')).toBe('regression');
    expect(taskOfTarget(readTable('[{"y": true}, {"y": false}]', 't.json').table, 'y')).toBe('classification');
  });

  it('notes classes with fewer rows than folds', () => {
    const labels = [...range(10).map(() => 'a'), ...range(10).map(() => 'b'), 'c', 'c'];
    const ds = classify(labels, { split: { folds: 3, holdout: 0.2, testFraction: 0.1, seed: 1 } });
    expect(ds.notices).toEqual(['class with fewer rows than the 3 folds: "c" (2); some folds validate without them']);
  });
});

describe('the per-fold preprocessor', () => {
  // rows 0-3 train, 4-5 validation: `size` misses a value in training; `origin` has a level (EU) only in validation
  const table = csv(['size', 'origin', 'y'], [1, 'US', 1], ['', 'JP', 2], [3, 'US', 3], [4, '', 4], ['', 'EU', 5], [100, 'JP', 6]);
  const train = [0, 1, 2, 3];

  it('imputes with the training mean plus an indicator, one-hots training levels with a missing level, unseen levels as zeros', () => {
    // Prepare
    const ds = parse(table);

    // Act
    const pre = fitPreprocessor(ds, train);
    const encoded = encodeRows(pre, ds, range(6));

    // Assess: mean of size over the training rows = (1 + 3 + 4) / 3 = 8/3, not the all-rows mean 27
    expect(pre.features).toEqual(['size', 'size (missing)', 'origin=JP', 'origin=US', 'origin (missing)']);
    expect(pre.columns[0]).toEqual({ name: 'size', role: 'numeric', fill: 8 / 3, indicator: true });
    expect(encoded).toEqual([
      [1, 0, 0, 1, 0],
      [8 / 3, 1, 1, 0, 0],
      [3, 0, 0, 1, 0],
      [4, 0, 0, 0, 1],
      [8 / 3, 1, 0, 0, 0], // EU was never seen in training: all zeros
      [100, 0, 1, 0, 0],
    ]);
  });

  it('standardizes with the training rows statistics only', () => {
    // Prepare
    const ds = parse(table);
    const pre = fitPreprocessor(ds, train);

    // Act
    const z = rows2d(transformRows(pre, ds, train), pre.features.length);

    // Assess: size over training rows [1, 8/3, 3, 4]: mean 8/3, population variance = (25/9 + 0 + 1/9 + 16/9) / 4 = 7/6
    expect(pre.standardizer.mean[0]).toBeCloseTo(8 / 3, 12);
    expect(pre.standardizer.std[0]).toBeCloseTo(Math.sqrt(7 / 6), 12);
    expect(pre.standardizer.mean[3]).toBeCloseTo(0.5, 12); // origin=US: 2 of 4 training rows
    for (let j = 0; j < pre.features.length; j++) {
      const col = z.map((r) => r[j]);
      expect(Math.abs(col.reduce((a, v) => a + v, 0) / col.length)).toBeLessThan(1e-6);
    }
  });

  it('imputes with the training median when dataset.impute is median', () => {
    const ds = parse(csv(['a', 'y'], [1, 1], [2, 2], [10, 3], ['', 4], [1000, 5]), { impute: 'median' });
    expect(fitPreprocessor(ds, [0, 1, 2, 3]).columns[0]).toEqual({ name: 'a', role: 'numeric', fill: 2, indicator: true });
    expect(fitPreprocessor(ds, [0, 1, 2, 4]).columns[0]).toMatchObject({ fill: 6, indicator: false }); // (2 + 10) / 2
  });

  it('survives JSON and applies to raw rows of another file by column name: reordered, extra columns ignored, a missing column refused', () => {
    // Prepare
    const ds = parse(table);
    const pre = PreprocessorSchema.parse(JSON.parse(JSON.stringify(fitPreprocessor(ds, train))));
    const raw = readTable(
      JSON.stringify([
        { extra: 'x', origin: 'US', size: 1 },
        { origin: 'EU', size: null, extra: 'y' },
        { origin: 'JP', size: 100 },
      ]),
      'new.json',
    ).table;

    // Act
    const got = applyPreprocessor(pre, raw, 'new.json');

    // Assess: the same numbers as the training data's rows 0, 4 and 5
    expect(got.rows).toBe(3);
    expect(got.ignored).toEqual(['extra']);
    expect(Array.from(got.x)).toEqual(Array.from(transformRows(pre, ds, [0, 4, 5])));
    const noSize = readTable('origin\nUS\n', 'new.csv').table;
    expect(() => applyPreprocessor(pre, noSize, 'new.csv')).toThrow(/^new\.csv: missing column "size" that the model was trained on$/);
    const text = readTable('origin,size\nUS,big\n', 'bad.csv').table;
    expect(() => applyPreprocessor(pre, text, 'bad.csv')).toThrow(/^bad\.csv row 1 \(line 2\), column "size": not a number: "big"$/);
  });

  it('summarizes roles and uses on the rows given', () => {
    const ds = parse(table);
    expect(summarizeDataset(ds, train).columns).toEqual([
      { name: 'size', role: 'numeric', use: 'kept; 1 missing imputed (mean) + indicator', rule: 'every value a number' },
      { name: 'origin', role: 'categorical', use: 'one-hot 2 levels + a missing level (1 missing)', rule: 'text of 3 levels' },
    ]);
  });
});
