/**
 * Tables as people write them (issue 24): user-chosen names as keys, numbers near the float64 range, thousands
 * separators, class labels such as None, dates in common formats, many-level categories, CRLF and UTF-16 files.
 * Each table is small and shaped like the public table that was misread.
 */
import { expect } from '@jest/globals';
import { parseDataset, type Dataset, type ParseOptions } from '../../../../shared/data/parse';
import { applyPreprocessor, fitPreprocessor } from '../../../../shared/data/preprocess';
import { readTable } from '../../../../shared/data/read';
import { summarizeDataset } from '../../../../shared/data/summary';
import { SpecError } from '../../../../shared/errors';
import { parseSpec } from '../../../../shared/search/spec';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const parse = (text: string, opts: Partial<ParseOptions> = {}) => parseDataset(text, { name: 't.csv', target: 'y', task: 'regression', ...opts });
const column = (ds: Dataset, name: string) => ds.columns.find((c) => c.name === name);
/** A spec's JSON text with `columns` as given (a JS literal cannot hold an own `__proto__` key). */
const specText = (columns: string) => `{"dataset":{"source":"t.csv","target":"y","task":"regression","columns":${columns}},"search":{"types":["none"]}}`;

describe('user-keyed objects', () => {
  it('dataset.columns keeps a column named __proto__ (the role applies) and refuses an unknown role there, naming it', () => {
    // Prepare
    const text = ['__proto__,a,y', ...range(6).map((i) => `${i * 7},${i},${i % 3}`)].join('\n');
    // Act
    const spec = parseSpec(JSON.parse(specText('{"__proto__":"drop"}')));
    const ds = parse(text, { columns: spec.dataset.columns });
    // Assess
    expect(Object.keys(spec.dataset.columns ?? {})).toEqual(['__proto__']);
    expect(column(ds, '__proto__')?.role).toBe('drop');
    expect(column(ds, 'a')?.role).toBe('numeric');
    expect(() => parseSpec(JSON.parse(specText('{"__proto__":"texte"}')))).toThrow(SpecError);
    expect(() => parseSpec(JSON.parse(specText('{"__proto__":"texte"}')))).toThrow(/dataset\.columns\.__proto__: unknown role "texte"/);
    expect(() => parse('a,y\n1,2\n2,3\n', { columns: parseSpec(JSON.parse(specText('{"__proto__":"drop"}'))).dataset.columns })).toThrow(
      /dataset\.columns\.__proto__: no column "__proto__" in t\.csv/,
    );
  });
});

describe('numbers with thousands separators', () => {
  it('a public budget table\'s "45,571,090" cells are numbers: the column is numeric and the rule says why', () => {
    // Prepare: quoted grouped numbers, as a comma-delimited CSV must write them, beside plain ones
    const text = ['region,budget,spent,y', ...range(8).map((i) => `r${i % 3},"${(45_571_090 + i * 1_001).toLocaleString('en-US')}",${i * 100},${i}`)].join(
      '\n',
    );
    // Act
    const ds = parse(text);
    // Assess
    const budget = column(ds, 'budget')!;
    expect(budget.role).toBe('numeric');
    expect(budget.rule).toBe('every value a number (with thousands separators)');
    expect(Array.from(budget.values as Float64Array).slice(0, 2)).toEqual([45_571_090, 45_572_091]);
    expect(parse('a,y\n"1,234.5",1\n"-12,000",2\n3,3\n').columns[0].values).toEqual(Float64Array.of(1234.5, -12000, 3));
  });

  it('a comma that is not a thousands separator (1,5 or 12,34) is not a number', () => {
    expect(() => parse('a,y\n"1,5",1\n2,2\n3,3\n')).toThrow(/row 1 \(line 2\), column "a": not a number: "1,5"/);
    expect(column(parse('a,y\n"12,34",1\n"1,5",2\nx,3\n'), 'a')?.role).toBe('categorical');
  });
});

describe("the target's missing markers", () => {
  // shaped like a public damage table: "None" (no damage) in most rows
  const damage = ['wind,damage', ...range(20).map((i) => `${i},${i < 16 ? 'None' : i % 2 ? 'Minor' : 'Major'}`), '21,'].join('\n');

  it('a class label None is a class, not a missing target: its rows are kept, and a notice says how to drop them', () => {
    const ds = parse(damage, { target: 'damage', task: 'classification' });
    expect(ds.classNames).toEqual(['Major', 'Minor', 'None']);
    expect(ds.y.filter((c) => c === 2)).toHaveLength(16);
    expect(ds.droppedRows).toBe(1); // the empty cell: always missing
    expect(ds.notices.join('\n')).toMatch(/class "None" \(16 rows\) is kept as a class of "damage".*dataset\.targetMissing: \["None"\]/);
  });

  it('dataset.targetMissing makes exactly those texts missing in the target, not in the features', () => {
    const ds = parse(damage, { target: 'damage', task: 'classification', targetMissing: ['None'] });
    expect(ds.classNames).toEqual(['Major', 'Minor']);
    expect(ds.droppedRows).toBe(17);
    const features = parse('a,y\nNone,p\nb,x\nc,q\nd,p\n', { task: 'classification', targetMissing: ['x'] });
    expect(features.classNames).toEqual(['p', 'q']); // the row with y = x dropped...
    expect(features.columns[0].values).toEqual([null, 'c', 'd']); // ...and "None" in a feature is missing
  });

  it('a regression target still reads NA as missing (no number is NA)', () => {
    expect(parse('a,y\n1,NA\n2,3\n4,5\n').droppedRows).toBe(1);
  });
});

describe('dates as people write them', () => {
  it('2001/01/01 00:47 is a date: the format is inferred on the rows and shown, a time of day is a fraction', () => {
    const text = ['when,y', '2001/01/01 00:47,1', '2001/01/02 12:00,2', '2001/1/3 06:00,3'].join('\n');
    const ds = parse(text);
    const when = column(ds, 'when')!;
    expect([when.role, when.format, when.rule]).toEqual(['date', 'YYYY/MM/DD', 'every value a date (YYYY/MM/DD HH:MM[:SS])']);
    const day = Date.UTC(2001, 0, 1) / 86_400_000;
    expect(Array.from(when.values as Float64Array)).toEqual([day + 47 / 1440, day + 1.5, day + 2.25]);
  });

  it('day or month first: the one no row contradicts (31/01 is day first), month first when no row tells', () => {
    expect(column(parse('d,y\n31/01/2012,1\n01/02/2012,2\n'), 'd')?.format).toBe('DD/MM/YYYY');
    expect(column(parse('d,y\n01/31/2012,1\n02/01/2012,2\n'), 'd')?.format).toBe('MM/DD/YYYY');
    expect(column(parse('d,y\n01/02/2012,1\n02/03/2012,2\n'), 'd')?.format).toBe('MM/DD/YYYY');
    expect(column(parse('d,y\n31.01.2012,1\n01.02.2012,2\n'), 'd')?.format).toBe('DD.MM.YYYY');
  });

  it('an impossible date (2020-02-30, 2021-02-29) is refused naming its row, not read as the next month', () => {
    expect(() => parse('d,y\n2020-02-28,1\n2020-02-30,2\n2020-03-01,3\n')).toThrow(
      /^t\.csv row 2 \(line 3\), column "d": not a possible date or time \(YYYY-MM-DD\): "2020-02-30"/,
    );
    expect(() => parse('d,y\n2020-02-29,1\n2021-02-29,2\n')).toThrow(/row 2 \(line 3\), column "d": not a possible date/);
  });

  it('a column declared date takes its format from its cells', () => {
    const ds = parse('d,y\n13/01/2012,1\n14/01/2012,2\n', { columns: { d: 'date' } });
    expect(column(ds, 'd')?.format).toBe('DD/MM/YYYY');
    expect(column(ds, 'd')?.values[0]).toBe(Date.UTC(2012, 0, 13) / 86_400_000);
  });
});

describe('categorical columns of many levels', () => {
  // shaped like a public table: a country column of 62 levels on 300 rows, most of the signal
  const countries = range(62).map((i) => `country-${String(i).padStart(2, '0')}`);
  const rows = range(300).map((i) => {
    const c = i < 124 ? countries[i % 62] : countries[i % 5]; // every country at least twice, five of them often
    return `${c},${i % 7},${(i % 5) * 10 + (i % 7)}`;
  });
  const text = ['country,x,y', ...rows].join('\n');

  it('62 levels on 300 rows are kept as categorical, not dropped as text; the rule says so', () => {
    const ds = parse(text);
    const country = column(ds, 'country')!;
    expect(country.role).toBe('categorical');
    expect(country.rule).toBe('62 levels, the rarer beyond 50 pooled into "(other)"');
  });

  it('the preprocessor keeps the 49 most frequent levels and pools the rest, and unseen levels, into "(other)"', () => {
    const ds = parse(text);
    const pre = fitPreprocessor(ds, range(300));
    const enc = pre.columns[0];
    expect(enc).toMatchObject({ role: 'categorical', other: true });
    expect(enc.role === 'categorical' && enc.levels).toHaveLength(49);
    expect(pre.features.filter((f) => f.startsWith('country='))).toHaveLength(50);
    expect(pre.features).toContain('country=(other)');
    expect(summarizeDataset(ds, range(300)).columns[0].use).toBe('one-hot the 49 most frequent of 62 levels + "(other)"');
    // a new row with a country never seen: the (other) column is 1
    const { x } = applyPreprocessor(pre, readTable('country,x\nnowhere,1\n', 'new.csv').table, 'new.csv');
    const other = pre.features.indexOf('country=(other)');
    const [mean, std] = [pre.standardizer.mean[other], pre.standardizer.std[other]];
    expect(x[other]).toBeCloseTo((1 - mean) / std, 5);
  });

  it('free text is told apart by uniqueness or length: mostly unique, or long, values over maxCategories are text', () => {
    const unique = ['note,x,y', ...range(60).map((i) => `remark ${i % 55},${i % 3},${i}`)].join('\n');
    expect(column(parse(unique), 'note')?.role).toBe('text');
    const long = ['note,x,y', ...range(200).map((i) => `a long free-text description of this row number ${i % 60},${i % 3},${i}`)].join('\n');
    expect(column(parse(long), 'note')?.reason).toMatch(
      /free text: 60 distinct values, over 50 \(dataset\.maxCategories\), and \d+ characters long on average/,
    );
  });
});

describe('line endings and encodings', () => {
  it('a CRLF header over LF rows reads row by row (it read as one row of 81 fields)', () => {
    const text =
      'a,b,y\r\n' +
      range(40)
        .map((i) => `${i},${i * 2},${i * 3}`)
        .join('\n') +
      '\n';
    const ds = parse(text);
    expect(ds.y).toHaveLength(40);
    expect(ds.columns.map((c) => c.name)).toEqual(['a', 'b']);
  });

  it.each([
    ['little-endian, with its BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,y\n1,2\n3,4\n', 'utf16le')]), 'little-endian'],
    ['little-endian, without a BOM', Buffer.from('a,y\n1,2\n3,4\n', 'utf16le'), 'little-endian'],
    ['big-endian', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('a,y\n1,2\n3,4\n', 'utf16le').swap16()]), 'big-endian'],
  ])('a UTF-16 file (%s) is named as such', (_what, bytes, endian) => {
    expect(() => parseDataset(bytes, { name: 't.csv', target: 'y', task: 'regression' })).toThrow(
      new RegExp(`^t\\.csv: the file is UTF-16 \\(${endian}\\) text, not UTF-8: save it as UTF-8`),
    );
  });
});
