/**
 * Per-fold preprocessing: a Preprocessor fitted on one fold's TRAINING rows only turns typed rows into the
 * numeric design a model sees, with expanded feature names:
 *   numeric, boolean, date  the number (a date: days since 1970-01-01); a missing value imputed with the training
 *                           rows' mean (or median, dataset.impute), plus an indicator column `name (missing)`
 *                           when the column has missing values in the training rows
 *   categorical             one-hot `name=level` over the levels seen in the training rows (in text order), and a
 *                           `name (missing)` level when the training rows have missing values; a level never
 *                           seen in training (at validation, test or prediction time) encodes as all zeros
 * then standardization with the training rows' mean and population std (standardize.ts). No statistic ever
 * sees a validation or test row. The Preprocessor is plain JSON: best.json stores it, and applyPreprocessor
 * applies it to the raw rows of any file, matching columns by name.
 */
import { z } from 'zod';
import { DatasetError } from '../errors';
import { cellError, convertCell, missingMarkers, readCell, type Converted } from './columns';
import type { Dataset, Impute } from './parse';
import { rowWhere, type RawTable } from './read';
import { fitStandardizer, standardizeRows } from './standardize';

export const ColumnEncodingSchema = z.discriminatedUnion('role', [
  z.object({
    name: z.string(),
    role: z.enum(['numeric', 'boolean', 'date']),
    /** The value a missing cell gets: the training rows' mean or median. */
    fill: z.number(),
    /** Whether a `name (missing)` indicator column follows. */
    indicator: z.boolean(),
  }),
  z.object({
    name: z.string(),
    role: z.literal('categorical'),
    /** The levels seen in the training rows, one column each. */
    levels: z.array(z.string()),
    /** Whether a `name (missing)` level follows. */
    missingLevel: z.boolean(),
  }),
]);
export type ColumnEncoding = z.output<typeof ColumnEncodingSchema>;

export const PreprocessorSchema = z.object({
  /** The used input columns, in order, each with what the training rows taught it. */
  columns: z.array(ColumnEncodingSchema),
  /** Extra cell texts read as missing (dataset.missing). */
  missing: z.array(z.string()),
  impute: z.enum(['mean', 'median']),
  /** The design's columns (expanded names), in order. */
  features: z.array(z.string()),
  /** Of the design's columns, on the training rows. */
  standardizer: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }),
});
export type Preprocessor = z.output<typeof PreprocessorSchema>;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function center(values: number[], impute: Impute): number {
  if (values.length === 0) return 0;
  if (impute === 'mean') return values.reduce((a, v) => a + v, 0) / values.length;
  const s = values.slice().sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Fit the preprocessing of `ds` on `rows` (a fold's training rows) only. */
export function fitPreprocessor(ds: Dataset, rows: readonly number[]): Preprocessor {
  if (rows.length === 0) throw new RangeError('fitPreprocessor needs at least 1 row');
  const columns: ColumnEncoding[] = [];
  const features: string[] = [];
  for (const c of ds.columns) {
    if (c.role === 'categorical') {
      const seen = rows.map((r) => c.values[r]);
      const levels = [...new Set(seen.filter((v): v is string => v !== null))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const missingLevel = seen.includes(null);
      columns.push({ name: c.name, role: c.role, levels, missingLevel });
      features.push(...levels.map((l) => `${c.name}=${l}`), ...(missingLevel ? [`${c.name} (missing)`] : []));
    } else if (c.role === 'numeric' || c.role === 'boolean' || c.role === 'date') {
      const present = rows.map((r) => c.values[r]).filter((v): v is number => v !== null);
      const indicator = present.length < rows.length;
      columns.push({ name: c.name, role: c.role, fill: center(present, ds.impute), indicator });
      features.push(c.role === 'date' ? `${c.name} (days since 1970-01-01)` : c.name, ...(indicator ? [`${c.name} (missing)`] : []));
    }
  }
  const pre = { columns, missing: ds.missing, impute: ds.impute, features, standardizer: { mean: [] as number[], std: [] as number[] } };
  const encoded = encodeRows(pre, ds, rows);
  return { ...pre, standardizer: fitStandardizer(encoded, range(encoded.length)) };
}

/** One row's cells (aligned with pre.columns) as design values, before standardization. */
function encodeRow(pre: Pick<Preprocessor, 'columns'>, cells: readonly Converted[]): number[] {
  const out: number[] = [];
  pre.columns.forEach((c, j) => {
    const v = cells[j];
    if (c.role === 'categorical') {
      for (const level of c.levels) out.push(v === level ? 1 : 0);
      if (c.missingLevel) out.push(v === null ? 1 : 0);
    } else {
      out.push(v === null ? c.fill : (v as number));
      if (c.indicator) out.push(v === null ? 1 : 0);
    }
  });
  return out;
}

/** The design rows of `rows` of `ds` (imputed, one-hot, before standardization). */
export function encodeRows(pre: Pick<Preprocessor, 'columns'>, ds: Dataset, rows: readonly number[]): number[][] {
  const byName = new Map(ds.columns.map((c) => [c.name, c.values]));
  const cols = pre.columns.map((c) => {
    const values = byName.get(c.name);
    if (!values) throw new Error(`internal: the dataset has no column ${JSON.stringify(c.name)}`);
    return values;
  });
  return rows.map((r) =>
    encodeRow(
      pre,
      cols.map((v) => v[r]),
    ),
  );
}

/** The standardized design of `rows` of `ds`, row-major rows.length x features. */
export function transformRows(pre: Preprocessor, ds: Dataset, rows: readonly number[]): Float32Array {
  const encoded = encodeRows(pre, ds, rows);
  return standardizeRows(pre.standardizer, encoded, range(encoded.length));
}

/**
 * Apply a fitted preprocessor to the raw rows of a table read from any file (read.ts): columns matched by name
 * (a column the preprocessor needs and the table lacks is a DatasetError; other columns are ignored and
 * listed), cells read with the same missing markers and roles as in training. `name` names the file in errors.
 */
export function applyPreprocessor(pre: Preprocessor, table: RawTable, name: string): { x: Float32Array; rows: number; ignored: string[] } {
  const index = new Map(table.columns.map((c, i) => [c, i]));
  const absent = pre.columns.filter((c) => !index.has(c.name)).map((c) => JSON.stringify(c.name));
  if (absent.length > 0) {
    throw new DatasetError(`${name}: missing column${absent.length === 1 ? '' : 's'} ${absent.join(', ')} that the model was trained on`);
  }
  const needed = new Set(pre.columns.map((c) => c.name));
  const missing = missingMarkers(pre.missing);
  const encoded = table.rows.map((row, r) =>
    encodeRow(
      pre,
      pre.columns.map((c) => {
        const cell = convertCell(readCell(row.cells[index.get(c.name) as number], missing), c.role);
        if (!cell.ok) cellError(name, rowWhere(r, row), c.name, c.role, cell.why, true);
        return cell.value;
      }),
    ),
  );
  return { x: standardizeRows(pre.standardizer, encoded, range(encoded.length)), rows: encoded.length, ignored: table.columns.filter((c) => !needed.has(c)) };
}
