/**
 * Per-fold preprocessing: a Preprocessor fitted on one fold's TRAINING rows only turns typed rows into the
 * numeric design a model sees, with expanded feature names:
 *   numeric, boolean, date  the number (a date: days since 1970-01-01); a missing value imputed with the training
 *                           rows' mean (or median, dataset.impute), plus an indicator column `name (missing)`
 *                           when the column has missing values in the training rows
 *   categorical             one-hot `name=level` over the levels seen in the training rows (in text order), and a
 *                           `name (missing)` level when the training rows have missing values; a level never
 *                           seen in training (at validation, test or prediction time) encodes as all zeros.
 *                           Beyond maxCategories levels, the maxCategories - 1 most frequent are kept and the
 *                           rest pooled into one `name=(other)` column (OneHotEncoder's max_categories), which
 *                           unseen levels then join
 * then standardization with the training rows' mean and population std (standardize.ts). No statistic ever
 * sees a validation or test row. The Preprocessor is plain JSON: best.json stores it, and applyPreprocessor
 * applies it to the raw rows of any file, matching columns by name.
 */
import { z } from 'zod';
import { DatasetError } from '../errors';
import { cellError, convertCell, DATE_FORMATS, DEFAULT_MAX_CATEGORIES, missingMarkers, readCell } from './columns';
import { columnValues, type ColumnValues, type Dataset, type Impute } from './parse';
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
    /** A date column's format (data/columns.ts DATE_FORMATS); absent: ISO 8601. */
    format: z.enum(DATE_FORMATS).optional(),
  }),
  z.object({
    name: z.string(),
    role: z.literal('categorical'),
    /** The levels seen in the training rows, one column each. */
    levels: z.array(z.string()),
    /** Whether a `name (missing)` level follows. */
    missingLevel: z.boolean(),
    /** Whether an `(other)` level follows the levels: the rarer levels of the training rows and unseen ones pooled. */
    other: z.boolean().optional(),
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

/** The name of the pooled level of a categorical column with more than maxCategories levels. */
export const OTHER_LEVEL = '(other)';

/**
 * The levels a categorical column keeps, in text order: all of them up to `max`, else the max - 1 most frequent
 * (ties: text order) with `other` set, the rest pooled.
 */
function keptLevels(counts: ReadonlyMap<string, number>, max: number): { levels: string[]; other: boolean } {
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const all = [...counts.keys()].sort(byText);
  if (all.length <= max) return { levels: all, other: false };
  const frequent = all.sort((a, b) => (counts.get(b) as number) - (counts.get(a) as number) || byText(a, b)).slice(0, max - 1);
  return { levels: frequent.sort(byText), other: true };
}

/** Fit the preprocessing of `ds` on `rows` (a fold's training rows) only. */
export function fitPreprocessor(ds: Dataset, rows: readonly number[]): Preprocessor {
  if (rows.length === 0) throw new RangeError('fitPreprocessor needs at least 1 row');
  const columns: ColumnEncoding[] = [];
  const features: string[] = [];
  for (const c of ds.columns) {
    if (c.role === 'categorical') {
      const values = c.values as (string | null)[];
      const counts = new Map<string | null, number>();
      for (const r of rows) counts.set(values[r], (counts.get(values[r]) ?? 0) + 1);
      const missingLevel = counts.delete(null);
      const { levels, other } = keptLevels(counts as Map<string, number>, ds.maxCategories ?? DEFAULT_MAX_CATEGORIES);
      columns.push({ name: c.name, role: c.role, levels, missingLevel, ...(other && { other }) });
      features.push(...levels.map((l) => `${c.name}=${l}`), ...(other ? [`${c.name}=${OTHER_LEVEL}`] : []), ...(missingLevel ? [`${c.name} (missing)`] : []));
    } else if (c.role === 'numeric' || c.role === 'boolean' || c.role === 'date') {
      const values = c.values as Float64Array;
      const present: number[] = [];
      for (const r of rows) if (!Number.isNaN(values[r])) present.push(values[r]);
      const indicator = present.length < rows.length;
      const format = c.role === 'date' && c.format && c.format !== 'YYYY-MM-DD' ? { format: c.format } : {};
      columns.push({ name: c.name, role: c.role, fill: center(present, ds.impute), indicator, ...format });
      features.push(c.role === 'date' ? `${c.name} (days since 1970-01-01)` : c.name, ...(indicator ? [`${c.name} (missing)`] : []));
    }
  }
  const pre = { columns, missing: ds.missing, impute: ds.impute, features, standardizer: { mean: [] as number[], std: [] as number[] } };
  const encoded = encodeRows(pre, ds, rows);
  return { ...pre, standardizer: fitStandardizer(encoded, range(encoded.length)) };
}

/** The design rows (imputed, one-hot, before standardization) of `rows` of columns aligned with pre.columns. */
function encode(pre: Pick<Preprocessor, 'columns' | 'features'>, cols: readonly ColumnValues[], rows: readonly number[]): number[][] {
  const p = pre.features.length;
  const levelIndex = pre.columns.map((c) => (c.role === 'categorical' ? new Map(c.levels.map((l, k) => [l, k])) : undefined));
  return rows.map((r) => {
    const out = new Array<number>(p).fill(0);
    let j = 0;
    for (let i = 0; i < pre.columns.length; i++) {
      const c = pre.columns[i];
      const v = cols[i][r];
      if (c.role === 'categorical') {
        // a level never seen in training (or pooled) sets the (other) column, or leaves every column of this one 0
        const other = c.other ? 1 : 0;
        if (v === null) {
          if (c.missingLevel) out[j + c.levels.length + other] = 1;
        } else {
          const k = levelIndex[i]!.get(v as string);
          if (k !== undefined) out[j + k] = 1;
          else if (other) out[j + c.levels.length] = 1;
        }
        j += c.levels.length + other + (c.missingLevel ? 1 : 0);
      } else {
        const missing = Number.isNaN(v);
        out[j] = missing ? c.fill : (v as number);
        if (c.indicator) out[j + 1] = missing ? 1 : 0;
        j += c.indicator ? 2 : 1;
      }
    }
    return out;
  });
}

/** The design rows of `rows` of `ds` (imputed, one-hot, before standardization). */
export function encodeRows(pre: Pick<Preprocessor, 'columns' | 'features'>, ds: Dataset, rows: readonly number[]): number[][] {
  const byName = new Map(ds.columns.map((c) => [c.name, c.values]));
  const cols = pre.columns.map((c) => {
    const values = byName.get(c.name);
    if (!values) throw new Error(`internal: the dataset has no column ${JSON.stringify(c.name)}`);
    return values;
  });
  return encode(pre, cols, rows);
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
  const missing = missingMarkers(pre.missing);
  const cols = pre.columns.map((c) => {
    const at = index.get(c.name) as number;
    const cells = table.rows.map((row, r) => {
      const cell = convertCell(readCell(row.cells[at], missing), c.role, c.role === 'date' ? c.format : undefined);
      if (!cell.ok) cellError(name, rowWhere(r, row), c.name, c.role, cell.why, true);
      return cell.value;
    });
    return columnValues(c.role, cells);
  });
  const encoded = encode(pre, cols, range(table.rows.length));
  const x = standardizeRows(pre.standardizer, encoded, range(encoded.length));
  refuseUnscorable(pre, x, table, name);
  const needed = new Set(pre.columns.map((c) => c.name));
  return { x, rows: encoded.length, ignored: table.columns.filter((c) => !needed.has(c)) };
}

/**
 * A value the model cannot score: one so far from the training rows that standardized it overflows float32 (the
 * model's precision), which would print NaN or Infinity as a prediction. A DatasetError naming its row and column.
 */
function refuseUnscorable(pre: Preprocessor, x: Float32Array, table: RawTable, name: string): void {
  const p = pre.features.length;
  const columnOf = pre.columns.flatMap((c) =>
    Array<string>(c.role === 'categorical' ? c.levels.length + (c.other ? 1 : 0) + (c.missingLevel ? 1 : 0) : c.indicator ? 2 : 1).fill(c.name),
  );
  const at = x.findIndex((v) => !Number.isFinite(v));
  if (at < 0) return;
  const r = Math.floor(at / p);
  const column = columnOf[at % p];
  const cell = table.rows[r].cells[table.columns.indexOf(column)];
  throw new DatasetError(
    `${name} ${rowWhere(r, table.rows[r])}, column ${JSON.stringify(column)}: ${String(cell)} is too far from the values the model was trained on ` +
      `to score (standardized, it overflows float32): the model cannot predict this row`,
  );
}
