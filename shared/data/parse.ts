/**
 * Datasets: a file (CSV, JSON Lines or a JSON array: read.ts) parsed into a typed table: the target read as
 * numbers or classes (labels.ts), rows without a target dropped with a notice, and every other column given a
 * role (columns.ts), inferred on the non-test rows of the sweep's split, never on the test rows. The numbers a
 * model sees come later, per fold, from preprocess.ts. No AWS, no tfjs.
 *
 * Every problem with the user's data is a DatasetError with a one-line message naming the file and, where it
 * applies, the row and column: `diabetes.csv row 12 (line 13), column "bmi": not a number: "abc" (...)`;
 * a problem with the spec's column overrides is a SpecError naming the field.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DatasetError, UserInputError } from '../errors';
import type { SweepSpec } from '../search/spec';
import { DEFAULT_MAX_DATASET_BYTES, type Task } from '../vocabulary';
import { formatBytes, regularFileSize } from '../util/files';
import {
  cellError,
  convertCell,
  DEFAULT_MAX_CATEGORIES,
  inferDateFormat,
  inferRole,
  isUsed,
  missingMarkers,
  readCell,
  targetMissingMarkers,
  roleOverrides,
  type ColumnOverrides,
  type RoleOverride,
  type Converted,
  type DateFormat,
  type Inferred,
  type Role,
  type UsedRole,
} from './columns';
import { rareClasses, readTarget } from './labels';
import { checkColumnNames, listColumns, readTable, rowWhere, show, SPLIT_COLUMN, type DatasetFormat, type RawTable } from './read';
import { planSplits, splitOptions, type Labeled, type SplitLabel, type SplitOptions } from './splits';

export type { SplitLabel };
const SPLIT_LABELS: readonly SplitLabel[] = ['train', 'validation', 'test'];

/** How missing numbers are imputed: with the training rows' mean or median. */
export type Impute = 'mean' | 'median';

/**
 * A column's cells converted for its role: numbers in a Float64Array (numeric, boolean, date; NaN = missing),
 * or categories (categorical; null = missing).
 */
export type ColumnValues = Float64Array | (string | null)[];

/** An input column with its role and its cells converted for that role (none kept for a dropped column). */
export interface TypedColumn {
  readonly name: string;
  readonly role: Role;
  /** Why a dropped column is dropped. */
  readonly reason?: string;
  /** True when the spec set the role. */
  readonly declared: boolean;
  /** The rule that decided the role (columns.ts inferRole), shown in the role table. */
  readonly rule?: string;
  /** A date column's format (columns.ts DATE_FORMATS), inferred on the non-test rows. */
  readonly format?: DateFormat;
  /** One per dataset row (empty for a dropped column). */
  readonly values: ColumnValues;
}

export interface Dataset extends Labeled {
  /** The input columns in file order (not the target or `split`; only `features` when given), used or dropped. */
  readonly columns: TypedColumn[];
  /** Classification only: K = the number of classes (>= 2). */
  readonly classes?: number;
  /** Extra missing markers the file was read with (dataset.missing), to read new rows the same way. */
  readonly missing: string[];
  /** Levels a categorical column keeps before the rarer are pooled into "(other)". @default DEFAULT_MAX_CATEGORIES */
  readonly maxCategories?: number;
  readonly impute: Impute;
  /** Rows of the file dropped because their target is missing. */
  readonly droppedRows: number;
  /** What the user should know: rows dropped, classes rarer than the folds. */
  readonly notices: string[];
  /** Used columns with a single distinct value on the rows the roles were inferred on (reported, not an error). */
  readonly constantColumns: string[];
}

export interface ParseOptions extends ColumnOverrides {
  /** File name or S3 key, for messages and (without `format`) the format. */
  name: string;
  target: string;
  task: Task;
  /** Exactly these feature columns, in this order. @default every column but the target and `split` */
  features?: string[];
  /** @default from the name (`.jsonl` / `.ndjson`, `.json`) or the content (`[`: a JSON array), else csv */
  format?: DatasetFormat;
  /** Extra cell texts read as missing, such as "?" or ".". */
  missing?: string[];
  /** Cell texts read as a missing target (see targetMissingMarkers). */
  targetMissing?: string[];
  /** @default DEFAULT_MAX_CATEGORIES */
  maxCategories?: number;
  /** @default 'mean' */
  impute?: Impute;
  /** Infer roles on the non-test rows of this split. @default every row (no test split) */
  split?: SplitOptions;
}

/** The columns a model uses (not dropped). */
export const usedColumns = (ds: Dataset): TypedColumn[] => ds.columns.filter((c) => isUsed(c.role));

/** The parse options a spec gives (its dataset section and split), without the file name. */
export function datasetOptions(spec: SweepSpec): Omit<ParseOptions, 'name'> {
  const { source: _source, ...d } = spec.dataset;
  return { ...d, split: splitOptions(spec) };
}

/** Parse dataset text or bytes into a typed dataset. */
export function parseDataset(content: string | Uint8Array, opts: ParseOptions): Dataset {
  const { table } = readTable(content, opts.name, opts.format);
  return toDataset(table, opts);
}

export { DEFAULT_MAX_DATASET_BYTES };

/** Refuse a dataset of `size` bytes over `maxBytes` before it is read, saying how to raise the limit. */
export function checkDatasetSize(name: string, size: number, maxBytes: number): void {
  if (size <= maxBytes) return;
  const exactly = (n: number) => (n < 1024 ? `${n} bytes` : `${formatBytes(n)} (${n} bytes)`);
  throw new DatasetError(
    `${name}: the file is ${exactly(size)}, over limits.maxDatasetBytes = ${exactly(maxBytes)}; ` +
      `raise limits.maxDatasetBytes in the spec, or use a smaller file`,
  );
}

export interface ReadOptions extends Omit<ParseOptions, 'name'> {
  /** @default the file's base name */
  name?: string;
  /** Refuse a file larger than this, before reading it. @default DEFAULT_MAX_DATASET_BYTES */
  maxBytes?: number;
}

/**
 * Read and parse a local dataset file. Anything but a regular file (a directory, a FIFO, a device) is refused
 * at once, and so is a file over `maxBytes`, before a byte is read.
 */
export async function readDatasetFile(path: string, opts: ReadOptions): Promise<Dataset> {
  const { maxBytes = DEFAULT_MAX_DATASET_BYTES, ...parseOpts } = opts;
  const name = opts.name ?? basename(path);
  return parseDataset(await readDataBytes(path, name, maxBytes), { ...parseOpts, name });
}

/** The bytes of a local data file, refused (a DatasetError naming `name`) unless a regular file of at most `maxBytes`. */
export async function readDataBytes(path: string, name: string, maxBytes = DEFAULT_MAX_DATASET_BYTES): Promise<Uint8Array> {
  const file = regularFileSize(path);
  if ('problem' in file) throw new DatasetError(`${name}: cannot read ${path}: ${file.problem}`);
  checkDatasetSize(name, file.size, maxBytes);
  try {
    return await readFile(path);
  } catch (e) {
    throw new DatasetError(`${name}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * The rows roles are inferred on: the non-test rows, what a model may learn from. When the rows cannot make the
 * split, every row: the caller's own planSplits then refuses the dataset, after the cells have been checked (a
 * bad cell is the more useful message).
 */
function inferenceRows(labeled: Labeled, split: SplitOptions | undefined): number[] {
  const all = labeled.y.map((_, i) => i);
  if (!split) return all;
  try {
    return planSplits(labeled, split).trainval;
  } catch (e) {
    if (e instanceof UserInputError) return all;
    throw e;
  }
}

/** Converted cells as a column's values (numbers packed in a Float64Array, NaN for missing). */
export function columnValues(role: UsedRole, cells: readonly Converted[]): ColumnValues {
  if (role === 'categorical') return cells as (string | null)[];
  return Float64Array.from(cells, (v) => (v === null ? NaN : (v as number)));
}

/** A role the spec gave: the rule says so, and a date column's format is inferred on `cells` (ISO when none fits). */
function declaredRole(role: RoleOverride, cells: readonly (string | number | boolean | null)[]): Inferred {
  const rule = 'declared in the spec';
  if (role !== 'date') return { role, rule };
  const texts = cells.filter((v): v is string => typeof v === 'string');
  return { role, rule, format: inferDateFormat(texts) ?? 'YYYY-MM-DD' };
}

function toDataset(table: RawTable, opts: ParseOptions): Dataset {
  const { name, target, task } = opts;
  const { columns } = table;
  const firstIndex = checkColumnNames(table, name);
  if (table.rows.length < 2) {
    const got = table.rows.length === 0 ? 'a header but no data rows' : 'only 1 data row';
    throw new DatasetError(`${name}: too few rows: the file has ${got}; need at least 2`);
  }
  const targetIndex = firstIndex.get(target);
  if (targetIndex === undefined) {
    throw new DatasetError(`${name}: target column ${JSON.stringify(target)} not found; available columns: ${listColumns(columns)}`);
  }
  const splitIndex = target === SPLIT_COLUMN ? undefined : firstIndex.get(SPLIT_COLUMN);
  const features = opts.features ?? columns.filter((c) => c !== target && c !== SPLIT_COLUMN);
  if (features.length === 0) throw new DatasetError(`${name}: no feature columns (only ${listColumns(columns)})`);
  const featureIndex = features.map((f, j) => {
    if (f === target) throw new DatasetError(`${name}: feature ${JSON.stringify(f)} is the target column`);
    if (f === SPLIT_COLUMN && splitIndex !== undefined) {
      throw new DatasetError(`${name}: column "${SPLIT_COLUMN}" assigns rows to splits and cannot be a feature`);
    }
    if (features.indexOf(f) !== j) throw new DatasetError(`${name}: feature ${JSON.stringify(f)} is listed twice`);
    const i = firstIndex.get(f);
    if (i === undefined) {
      throw new DatasetError(`${name}: feature column ${JSON.stringify(f)} not found; available columns: ${listColumns(columns)}`);
    }
    return i;
  });
  const overrides = roleOverrides(opts, features, target, name);

  const missing = missingMarkers(opts.missing);
  const targetMissing = targetMissingMarkers(task, missing, opts.targetMissing);
  const tgt = readTarget(table.rows, targetIndex, { file: name, target, task, missing: targetMissing, markersGiven: opts.targetMissing !== undefined });
  const rows = tgt.rows.map((r) => table.rows[r]);

  let split: SplitLabel[] | undefined;
  if (splitIndex !== undefined) {
    split = rows.map((row, i) => {
      const v = row.cells[splitIndex];
      const label = typeof v === 'string' ? v.trim().toLowerCase() : undefined;
      if (label === undefined || !(SPLIT_LABELS as readonly string[]).includes(label)) {
        throw new DatasetError(`${name} ${rowWhere(tgt.rows[i], row)}, column "${SPLIT_COLUMN}": unknown split ${show(v)}; use train, validation or test`);
      }
      return label as SplitLabel;
    });
  }
  const classes = tgt.classNames?.length;
  const labeled = { name, target, task, y: tgt.y, ...(split && { split }), ...(tgt.classNames && { classNames: tgt.classNames }) };
  const inferRows = inferenceRows(labeled, opts.split);

  const maxCategories = opts.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  const typed = features.map((column, j): TypedColumn => {
    const cells = rows.map((row) => readCell(row.cells[featureIndex[j]], missing));
    const declared = overrides.get(column);
    const inferred: Inferred = declared
      ? declaredRole(
          declared,
          inferRows.map((r) => cells[r]),
        )
      : inferRole(
          inferRows.map((r) => cells[r]),
          maxCategories,
        );
    const { role, rule, format } = inferred;
    if (!isUsed(role)) return { name: column, role, rule, reason: inferred.reason ?? 'dataset.drop', declared: !!declared, values: [] };
    const converted = cells.map((v, i) => {
      const c = convertCell(v, role, format);
      if (!c.ok) cellError(name, rowWhere(tgt.rows[i], rows[i]), column, role, c.why, !!declared, c.range);
      return c.value;
    });
    return { name: column, role, rule, ...(format && { format }), declared: !!declared, values: columnValues(role, converted) };
  });
  const used = typed.filter((c) => isUsed(c.role));
  if (used.length === 0) {
    const why = typed.map((c) => `${c.name}: ${c.reason}`).join('; ');
    throw new DatasetError(`${name}: every feature column is dropped (${why}): nothing to train on; give columns a role in dataset.columns`);
  }
  const constantColumns = used.filter((c) => new Set(inferRows.map((r) => c.values[r])).size === 1).map((c) => c.name);
  const notices = [...tgt.notices, ...(tgt.classNames && opts.split ? rareClasses(tgt.y, tgt.classNames, opts.split.folds) : [])];
  return {
    ...labeled,
    columns: typed,
    ...(classes !== undefined && { classes }),
    missing: opts.missing ?? [],
    maxCategories,
    impute: opts.impute ?? 'mean',
    droppedRows: table.rows.length - rows.length,
    notices,
    constantColumns,
  };
}
