/**
 * Tables as people write them (issue 24): user-chosen names as keys, numbers near the float64 range, thousands
 * separators, class labels such as None, dates in common formats, many-level categories, CRLF and UTF-16 files.
 * Each table is small and shaped like the public table that was misread.
 */
import { expect } from '@jest/globals';
import { parseDataset, type Dataset, type ParseOptions } from '../../../../shared/data/parse';
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
