import { parse as parseCsv } from 'csv-parse/sync';
import { toCsv, toJsonLines } from '../../../cli/predict';

/** Class names a CSV must quote: a comma, a semicolon, a quote, a line break, edge spaces. */
const NAMES = ['a,b', 'say "hi"', 'two\nlines', ' padded ', 'semi;colon', 'plain'];
const predictions = {
  columns: ['prediction', ...NAMES.map((n) => `p(${n})`)],
  rows: [
    ['a,b', 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.03125],
    ['plain', 0, 0, 0, 0, 0, 1],
  ],
};

describe('predict output', () => {
  it('CSV: a header row, then one row per prediction; names read back exactly as they were', () => {
    const text = toCsv(predictions);
    expect(text.split('\n')[0]).toBe('prediction,"p(a,b)","p(say ""hi"")","p(two');
    const back = parseCsv(text, { relax_quotes: false });
    expect(back).toEqual([predictions.columns, ...predictions.rows.map((r) => r.map(String))]);
    expect(toCsv({ columns: ['prediction'], rows: [[1.5], [-2]] })).toBe('prediction\n1.5\n-2\n');
  });

  it('JSON Lines: one object per row, keys in column order, numbers as numbers', () => {
    const lines = toJsonLines(predictions).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(predictions.columns);
    expect(first).toMatchObject({ prediction: 'a,b', 'p(a,b)': 0.5, 'p(plain)': 0.03125 });
    expect(toJsonLines({ columns: ['prediction'], rows: [] })).toBe('');
  });
});
