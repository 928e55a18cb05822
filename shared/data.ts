/**
 * Datasets: parse a CSV (header row) or JSON Lines file into a numeric table, plan the test / fold splits
 * from a seed, and standardize with statistics fitted on training rows only. No AWS, no tfjs.
 *
 * Every problem with the user's data is a DatasetError with a one-line message naming the file and, where it
 * applies, the row and column: `diabetes.csv row 12 (line 13), column "bmi": not a number: "abc"`.
 * `row N` counts data rows from 1 (the CSV header is not a row; blank lines are skipped); `line L` is the
 * line of the file, so the user can jump to it in an editor.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { DatasetError } from './errors';
import { createRng, shuffled, type Rng } from './random';
import type { Task } from './spec';

export type SplitLabel = 'train' | 'validation' | 'test';

export interface Dataset {
  /** File name or S3 key; used in every error message. */
  readonly name: string;
  /** Feature column names in order (excludes the target and `split`). */
  readonly features: string[];
  readonly target: string;
  readonly task: Task;
  /** Rows x features. */
  readonly x: number[][];
  /** Target; for classification, integer labels 0..K-1. */
  readonly y: number[];
  /** Classification only: K = max label + 1 (>= 2). */
  readonly classes?: number;
  /** Only when the file has a `split` column (train | validation | test, case-insensitive). */
  readonly split?: SplitLabel[];
  /** Features with a single distinct value (reported, not an error). */
  readonly constantColumns: string[];
}

export interface ParseOptions {
  /** File name or S3 key, for messages and (without `format`) the format. */
  name: string;
  target: string;
  task: Task;
  /** Exactly these feature columns, in this order. @default every column but the target and `split` */
  features?: string[];
  /** @default from the name: `.jsonl` / `.ndjson` -> jsonl, anything else -> csv */
  format?: 'csv' | 'jsonl';
}

/** The column that, when present, fixes the split of each row. */
export const SPLIT_COLUMN = 'split';
const SPLIT_LABELS: readonly SplitLabel[] = ['train', 'validation', 'test'];
/** Cell texts read as a missing value (case-insensitive, after trimming). */
const MISSING = new Set(['', 'nan', 'na', 'n/a', 'null', 'none']);
const INFINITE = new Set(['inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity']);
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** How many missing cells a message lists before `and N more`. */
const SHOWN = 3;

/** One data row as read from the file, before conversion to numbers. */
interface RawRow {
  /** Line of the file (1-based); for a CSV record spanning lines, its last line. */
  readonly line: number;
  /** Cells in column order: strings from CSV, any JSON value from JSONL (undefined when a key is absent). */
  readonly cells: readonly unknown[];
}

interface RawTable {
  readonly columns: string[];
  /** Line of the CSV header; undefined for JSONL (its columns come from the first row). */
  readonly headerLine?: number;
  readonly rows: RawRow[];
}

/** Parse dataset text or bytes into a numeric dataset. */
export function parseDataset(content: string | Uint8Array, opts: ParseOptions): Dataset {
  const { name } = opts;
  const text = decode(content, name);
  if (text.trim() === '') throw new DatasetError(`${name}: the file is empty`);
  const format = opts.format ?? formatFromName(name);
  const table = format === 'jsonl' ? readJsonl(text, name) : readCsv(text, name);
  return toDataset(table, opts);
}

/** Read and parse a local dataset file; `name` defaults to the file's base name. */
export async function readDatasetFile(path: string, opts: Omit<ParseOptions, 'name'> & { name?: string }): Promise<Dataset> {
  const name = opts.name ?? basename(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? (e as Error).message);
    throw new DatasetError(`${name}: cannot read ${path}: ${why}`);
  }
  return parseDataset(bytes, { ...opts, name });
}

function formatFromName(name: string): 'csv' | 'jsonl' {
  return /\.(jsonl|ndjson)$/i.test(name) ? 'jsonl' : 'csv';
}

/** Bytes must be UTF-8 (a BOM is dropped); on failure, name the first line that is not. */
function decode(content: string | Uint8Array, name: string): string {
  if (typeof content === 'string') return content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content); // drops a leading BOM
  } catch {
    const line = firstNonUtf8Line(content);
    throw new DatasetError(`${name}${line ? ` line ${line}` : ''}: not valid UTF-8 text (save the file as UTF-8)`);
  }
}

/** The byte 0x0A never occurs inside a multi-byte UTF-8 sequence, so lines can be checked one by one. */
function firstNonUtf8Line(bytes: Uint8Array): number | undefined {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  let line = 1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    try {
      decoder.decode(bytes.subarray(start, i));
    } catch {
      return line;
    }
    start = i + 1;
    line++;
  }
  return undefined;
}

function readCsv(text: string, name: string): RawTable {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true, // checked below, so the message can name the row as well as the line
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    if (e instanceof CsvError) {
      const line = typeof e.lines === 'number' ? ` line ${e.lines}` : '';
      throw new DatasetError(`${name}${line}: invalid CSV: ${oneLine(e.message)}`);
    }
    throw e;
  }
  const [header, ...data] = records;
  const columns = header.record;
  const rows: RawRow[] = [];
  for (const { record, info } of data) {
    // a line of only spaces trims to a single empty field: treat it like a blank line
    if (record.length === 1 && record[0] === '' && columns.length > 1) continue;
    if (record.length !== columns.length) {
      throw new DatasetError(
        `${name} row ${rows.length + 1} (line ${info.lines}): expected ${columns.length} fields (as in the header), got ${record.length}`,
      );
    }
    rows.push({ line: info.lines, cells: record });
  }
  return { columns, headerLine: header.info.lines, rows };
}

function readJsonl(text: string, name: string): RawTable {
  const lines = text.split('\n');
  let columns: string[] | undefined;
  const rows: RawRow[] = [];
  lines.forEach((raw, i) => {
    const src = raw.trim();
    if (src === '') return;
    const line = i + 1;
    const where = `${name} row ${rows.length + 1} (line ${line})`;
    let value: unknown;
    try {
      value = JSON.parse(src);
    } catch (e) {
      throw new DatasetError(`${where}: not valid JSON (${oneLine((e as Error).message)})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DatasetError(`${where}: not a JSON object, got ${Array.isArray(value) ? 'an array' : show(value)}`);
    }
    const obj = value as Record<string, unknown>;
    if (!columns) columns = Object.keys(obj);
    else {
      const known = new Set(columns);
      const extra = Object.keys(obj).find((k) => !known.has(k));
      if (extra !== undefined) {
        throw new DatasetError(`${where}: key ${JSON.stringify(extra)} is not a column (the columns are the keys of the first line)`);
      }
    }
    rows.push({ line, cells: columns.map((c) => obj[c]) });
  });
  return { columns: columns ?? [], rows };
}

type Cell = { ok: true; value: number } | { ok: false; missing: true } | { ok: false; missing: false; why: string };

/** A cell to a finite number, a missing value, or the reason it is neither. */
function toNumber(v: unknown): Cell {
  if (v === undefined || v === null) return { ok: false, missing: true };
  if (typeof v === 'boolean') return { ok: true, value: v ? 1 : 0 };
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { ok: false, missing: true };
    return Number.isFinite(v) ? { ok: true, value: v } : { ok: false, missing: false, why: `value overflows to ${v}` };
  }
  if (typeof v !== 'string') return { ok: false, missing: false, why: `not a number: ${show(v)}` };
  const s = v.trim();
  const lower = s.toLowerCase();
  if (MISSING.has(lower)) return { ok: false, missing: true };
  if (INFINITE.has(lower)) return { ok: false, missing: false, why: `not a finite number: ${show(v)}` };
  if (!NUMBER_RE.test(s)) return { ok: false, missing: false, why: `not a number: ${show(v)}` };
  const value = Number(s);
  if (!Number.isFinite(value)) return { ok: false, missing: false, why: `value ${show(s)} overflows to ${value}` };
  return { ok: true, value };
}

function toDataset(table: RawTable, opts: ParseOptions): Dataset {
  const { name, target, task } = opts;
  const { columns, rows } = table;
  const at = table.headerLine !== undefined ? ` line ${table.headerLine}` : '';

  const firstIndex = new Map<string, number>();
  columns.forEach((c, i) => {
    if (c === '') throw new DatasetError(`${name}${at}: column ${i + 1} has no name`);
    const seen = firstIndex.get(c);
    if (seen !== undefined) {
      throw new DatasetError(`${name}${at}: duplicate column name ${JSON.stringify(c)} (columns ${seen + 1} and ${i + 1})`);
    }
    firstIndex.set(c, i);
  });

  if (rows.length < 2) {
    const got = rows.length === 0 ? 'a header but no data rows' : 'only 1 data row';
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

  const x: number[][] = [];
  const y: number[] = [];
  const missing: string[] = [];
  let missingCount = 0;
  const used = [...featureIndex, targetIndex];
  rows.forEach((row, r) => {
    const values = used.map((ci) => {
      const cell = toNumber(row.cells[ci]);
      if (cell.ok) return cell.value;
      const where = `row ${r + 1} (line ${row.line}), column ${JSON.stringify(columns[ci])}`;
      if (!cell.missing) throw new DatasetError(`${name} ${where}: ${cell.why}`);
      missingCount++;
      if (missing.length < SHOWN) missing.push(where);
      return NaN;
    });
    y.push(values.pop() as number);
    x.push(values);
  });
  if (missingCount > 0) {
    const more = missingCount > missing.length ? `; and ${missingCount - missing.length} more` : '';
    throw new DatasetError(
      `${name}: ${missingCount} empty or NaN cell${missingCount === 1 ? '' : 's'} (fill or drop them): ${missing.join('; ')}${more}`,
    );
  }

  let classes: number | undefined;
  if (task === 'classification') {
    y.forEach((label, r) => {
      if (!Number.isInteger(label) || label < 0) {
        throw new DatasetError(
          `${name} row ${r + 1} (line ${rows[r].line}), column ${JSON.stringify(target)}: a class label must be an integer >= 0, got ${label}`,
        );
      }
    });
    const present = [...new Set(y)].sort((a, b) => a - b);
    if (present.length < 2) {
      throw new DatasetError(`${name}, column ${JSON.stringify(target)}: only one class (${present[0]}) present; classification needs at least 2`);
    }
    classes = present[present.length - 1] + 1;
  }

  let split: SplitLabel[] | undefined;
  if (splitIndex !== undefined) {
    split = rows.map((row, r) => {
      const v = row.cells[splitIndex];
      const label = typeof v === 'string' ? v.trim().toLowerCase() : undefined;
      if (label === undefined || !(SPLIT_LABELS as readonly string[]).includes(label)) {
        throw new DatasetError(
          `${name} row ${r + 1} (line ${row.line}), column "${SPLIT_COLUMN}": unknown split ${show(v)}; use train, validation or test`,
        );
      }
      return label as SplitLabel;
    });
  }

  const constantColumns = features.filter((_, j) => x.every((row) => row[j] === x[0][j]));
  return { name, features, target, task, x, y, ...(classes !== undefined && { classes }), ...(split && { split }), constantColumns };
}

function listColumns(columns: string[]): string {
  const shown = columns.slice(0, 8).map((c) => JSON.stringify(c)).join(', ');
  return columns.length > 8 ? `${shown}, ... (${columns.length} in all)` : shown || '(none)';
}

/** A value for a message: quoted, short, on one line. */
function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  const cut = s.length > 40 ? s.slice(0, 40) + '...' : s;
  return typeof v === 'string' ? JSON.stringify(cut) : cut;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

// ---------------------------------------------------------------------------------------------------------
// Splits

/** Row indices into the dataset. */
export interface Fold {
  readonly train: number[];
  readonly validation: number[];
}

export interface SplitPlan {
  /** Held out for the final evaluation of the chosen config; never used for selection. */
  readonly test: number[];
  /** Every non-test row: train + validation of each fold (what the refit trains on). */
  readonly trainval: number[];
  readonly folds: Fold[];
}

export interface SplitOptions {
  /** k-fold cross-validation on the non-test rows when >= 2; a single holdout when 1. */
  folds: number;
  /** Fraction of the non-test rows held out for validation when folds = 1. */
  holdout: number;
  /** Fraction of all rows held out for test (at least 1 row). */
  testFraction: number;
  seed: number;
}

/** Rows each fold needs at least. */
const MIN_VALIDATION = 1;
const MIN_TRAIN = 2;

/**
 * The test split and the folds, deterministic from the seed. The test split depends only on the rows, the
 * seed and testFraction (not on folds). Classification stratifies by class: every class with at least 2
 * non-test rows keeps at least one row in the training part of every fold.
 */
export function planSplits(ds: Dataset, opts: SplitOptions): SplitPlan {
  checkSplitOptions(opts);
  const rng = createRng(opts.seed);
  const labels = ds.task === 'classification' ? ds.y : undefined;
  const n = ds.y.length;
  const all = Array.from({ length: n }, (_, i) => i);

  if (ds.split) {
    const split = ds.split;
    const test = all.filter((i) => split[i] === 'test');
    const train = all.filter((i) => split[i] === 'train');
    const validation = all.filter((i) => split[i] === 'validation');
    const col = `column "${SPLIT_COLUMN}"`;
    if (test.length === 0) throw new DatasetError(`${ds.name}, ${col}: no row is labeled test; label at least 1 row test`);
    const trainval = all.filter((i) => split[i] !== 'test');
    if (validation.length > 0) {
      if (train.length < MIN_TRAIN) {
        throw new DatasetError(`${ds.name}, ${col}: ${train.length} row(s) labeled train; need at least ${MIN_TRAIN}`);
      }
      return { test, trainval, folds: [{ train, validation }] };
    }
    checkFoldRows(train.length, opts, (need) => `${ds.name}, ${col}: too few rows labeled train for ${describeFolds(opts)}: ${train.length} ${need}`);
    return { test, trainval, folds: makeFolds(ds, train, labels, opts, rng) };
  }

  const nTest = Math.max(1, Math.round(opts.testFraction * n));
  const enough = (rows: number) => foldsFit(rows - Math.max(1, Math.round(opts.testFraction * rows)), opts);
  if (!enough(n)) {
    let need = n + 1;
    while (!enough(need) && need < n + 1_000_000) need++;
    throw new DatasetError(
      `${ds.name}: too few rows for ${describeFolds(opts)}: ${n} rows, ${nTest} held out for test, ${n - nTest} left; ` +
        `each fold needs at least ${MIN_VALIDATION} validation and ${MIN_TRAIN} training rows (need at least ${need} rows)`,
    );
  }
  const { taken: test, rest } = draw(all, nTest, labels, MIN_TRAIN, rng);
  if (test.length < 1) {
    throw new DatasetError(`${ds.name}: too few rows of each class to hold out a test row and keep ${MIN_TRAIN} of each class for training`);
  }
  return { test: sorted(test), trainval: sorted(rest), folds: makeFolds(ds, rest, labels, opts, rng) };
}

function checkSplitOptions(o: SplitOptions): void {
  if (!Number.isInteger(o.folds) || o.folds < 1) throw new RangeError(`folds must be an integer >= 1, got ${o.folds}`);
  if (!(o.holdout > 0 && o.holdout < 1)) throw new RangeError(`holdout must be in (0, 1), got ${o.holdout}`);
  if (!(o.testFraction > 0 && o.testFraction < 1)) throw new RangeError(`testFraction must be in (0, 1), got ${o.testFraction}`);
  if (!Number.isInteger(o.seed)) throw new RangeError(`seed must be an integer, got ${o.seed}`);
}

function describeFolds(o: SplitOptions): string {
  return o.folds === 1 ? `a holdout of ${o.holdout}` : `${o.folds} folds`;
}

function holdoutSize(rows: number, holdout: number): number {
  return Math.max(MIN_VALIDATION, Math.round(holdout * rows));
}

/** Whether `rows` non-test rows give every fold enough validation and training rows. */
function foldsFit(rows: number, o: SplitOptions): boolean {
  if (o.folds === 1) return rows - holdoutSize(rows, o.holdout) >= MIN_TRAIN;
  return rows >= o.folds * MIN_VALIDATION && rows - Math.ceil(rows / o.folds) >= MIN_TRAIN;
}

function checkFoldRows(rows: number, o: SplitOptions, message: (need: string) => string): void {
  if (foldsFit(rows, o)) return;
  let need = rows + 1;
  while (!foldsFit(need, o)) need++;
  throw new DatasetError(
    message(`rows; each fold needs at least ${MIN_VALIDATION} validation and ${MIN_TRAIN} training rows (need at least ${need})`),
  );
}

/** k-fold (folds >= 2) or a single holdout (folds = 1) over `rows`; stratified when `labels` is given. */
function makeFolds(ds: Dataset, rows: number[], labels: number[] | undefined, o: SplitOptions, rng: Rng): Fold[] {
  if (o.folds === 1) {
    const { taken, rest } = draw(rows, holdoutSize(rows.length, o.holdout), labels, 1, rng);
    return [{ train: sorted(rest), validation: sorted(taken) }];
  }
  let order: number[];
  if (labels) {
    const groups = byClass(rows, labels, rng);
    const single = groups.find((g) => g.length === 1);
    if (single) {
      throw new DatasetError(
        `${ds.name}, column ${JSON.stringify(ds.target)}: class ${labels[single[0]]} has only 1 non-test row; ` +
          `with ${o.folds} folds each class needs at least 2 so it is in the training rows of every fold`,
      );
    }
    // Deal the class-grouped rows round-robin: fold f validates positions f, f+k, f+2k, ... so each fold
    // gets floor or ceil of n_c/k rows of each class c, and fold sizes differ by at most 1.
    const grouped = groups.flat();
    order = [];
    for (let f = 0; f < o.folds; f++) for (let p = f; p < grouped.length; p += o.folds) order.push(grouped[p]);
  } else {
    order = shuffled(rows, rng);
  }
  // contiguous chunks; the first (m mod k) chunks one row longer
  const m = order.length;
  const base = Math.floor(m / o.folds);
  const extra = m % o.folds;
  const folds: Fold[] = [];
  let start = 0;
  for (let f = 0; f < o.folds; f++) {
    const end = start + base + (f < extra ? 1 : 0);
    const validation = order.slice(start, end);
    const train = [...order.slice(0, start), ...order.slice(end)];
    folds.push({ train: sorted(train), validation: sorted(validation) });
    start = end;
  }
  return folds;
}

/** Rows grouped by class label (ascending), each group shuffled. */
function byClass(rows: readonly number[], labels: readonly number[], rng: Rng): number[][] {
  const groups = new Map<number, number[]>();
  for (const r of rows) {
    const g = groups.get(labels[r]);
    if (g) g.push(r);
    else groups.set(labels[r], [r]);
  }
  return [...groups.keys()].sort((a, b) => a - b).map((k) => shuffled(groups.get(k) as number[], rng));
}

/**
 * Take `count` random rows out of `rows`. Stratified when `labels` is given: each class gives its share
 * (largest remainder), but never so many that fewer than `keep` of its rows remain.
 */
function draw(rows: number[], count: number, labels: readonly number[] | undefined, keep: number, rng: Rng): { taken: number[]; rest: number[] } {
  if (!labels) {
    const order = shuffled(rows, rng);
    return { taken: order.slice(0, count), rest: order.slice(count) };
  }
  const groups = byClass(rows, labels, rng);
  const shares = allocate(
    count,
    groups.map((g) => g.length),
    groups.map((g) => Math.max(0, g.length - keep)),
  );
  return {
    taken: groups.flatMap((g, c) => g.slice(0, shares[c])),
    rest: groups.flatMap((g, c) => g.slice(shares[c])),
  };
}

/** Split `total` in proportion to `sizes` (largest remainder, ties to the lower index), each at most its cap. */
function allocate(total: number, sizes: number[], caps: number[]): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (total * s) / sum);
  const out = exact.map((e, i) => Math.min(caps[i], Math.floor(e)));
  let left = total - out.reduce((a, b) => a + b, 0);
  while (left > 0) {
    let best = -1;
    for (let i = 0; i < out.length; i++) {
      if (out[i] < caps[i] && (best < 0 || exact[i] - out[i] > exact[best] - out[best])) best = i;
    }
    if (best < 0) break;
    out[best]++;
    left--;
  }
  return out;
}

function sorted(a: number[]): number[] {
  return a.slice().sort((p, q) => p - q);
}

// ---------------------------------------------------------------------------------------------------------
// Standardization

/** Per-feature mean and population std; the std of a constant column is stored as 1. */
export interface Standardizer {
  readonly mean: number[];
  readonly std: number[];
}

/** Mean and population std (ddof 0) of each column over the given rows only (fit on training rows). */
export function fitStandardizer(x: number[][], rows: readonly number[]): Standardizer {
  if (rows.length === 0) throw new RangeError('fitStandardizer needs at least 1 row');
  const p = x[rows[0]].length;
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < p; j++) {
    const first = x[rows[0]][j];
    let constant = true;
    let sum = 0;
    for (const r of rows) {
      sum += x[r][j];
      if (x[r][j] !== first) constant = false;
    }
    if (constant) {
      mean.push(first);
      std.push(1);
      continue;
    }
    let mu = sum / rows.length;
    let dev = 0;
    for (const r of rows) dev += x[r][j] - mu;
    mu += dev / rows.length; // second pass corrects rounding in the mean
    let ss = 0;
    for (const r of rows) ss += (x[r][j] - mu) ** 2;
    const sd = Math.sqrt(ss / rows.length);
    mean.push(mu);
    std.push(sd > 0 ? sd : 1);
  }
  return { mean, std };
}

/** The given rows, standardized, as a row-major Float32Array of rows.length x features. */
export function standardizeRows(s: Standardizer, x: number[][], rows: readonly number[]): Float32Array {
  const p = s.mean.length;
  const out = new Float32Array(rows.length * p);
  rows.forEach((r, i) => {
    const row = x[r];
    for (let j = 0; j < p; j++) out[i * p + j] = (row[j] - s.mean[j]) / s.std[j];
  });
  return out;
}

/** The targets of the given rows. */
export function selectTargets(y: number[], rows: readonly number[]): Float32Array {
  return Float32Array.from(rows, (r) => y[r]);
}

/**
 * One random holdout of `fraction` of all rows for validation (stratified for classification), for training a
 * single config outside a sweep; fraction 0 trains on every row. A `split` column, if present, decides instead
 * (train rows train, validation rows validate, test rows are left out).
 */
export function holdoutSplit(ds: Dataset, fraction: number, seed: number): Fold {
  const all = Array.from({ length: ds.y.length }, (_, i) => i);
  if (ds.split) {
    const split = ds.split;
    return { train: all.filter((i) => split[i] === 'train'), validation: fraction === 0 ? [] : all.filter((i) => split[i] === 'validation') };
  }
  if (fraction === 0) return { train: all, validation: [] };
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`holdout must be in [0, 1), got ${fraction}`);
  const labels = ds.task === 'classification' ? ds.y : undefined;
  const { taken, rest } = draw(all, Math.max(1, Math.round(fraction * all.length)), labels, MIN_TRAIN, createRng(seed));
  if (rest.length < MIN_TRAIN || taken.length < MIN_VALIDATION) {
    throw new DatasetError(`${ds.name}: too few rows for a holdout of ${fraction}: ${all.length} rows`);
  }
  return { train: sorted(rest), validation: sorted(taken) };
}
