/**
 * Datasets: parse a CSV (header row; comma, semicolon or tab delimited, detected from the header) or JSON Lines
 * file into a numeric table. No AWS, no tfjs.
 *
 * Every problem with the user's data is a DatasetError with a one-line message naming the file and, where it
 * applies, the row and column: `diabetes.csv row 12 (line 13), column "bmi": not a number: "abc"`.
 * `row N` counts data rows from 1 (the CSV header is not a row; blank lines are skipped); `line L` is the
 * line of the file, so the user can jump to it in an editor.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { DatasetError } from '../errors';
import type { Task } from '../search/spec';
import { formatBytes, regularFileSize } from '../util/files';

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
export interface RawRow {
  /** Line of the file (1-based); for a CSV record spanning lines, its last line. */
  readonly line: number;
  /** Cells in column order: strings from CSV, any JSON value from JSONL (undefined when a key is absent). */
  readonly cells: readonly unknown[];
}

export interface RawTable {
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

/** The default of the spec's `limits.maxDatasetBytes`: the largest dataset read (100 MB). */
export const DEFAULT_MAX_DATASET_BYTES = 100 * 1024 * 1024;

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
  const file = regularFileSize(path);
  if ('problem' in file) throw new DatasetError(`${name}: cannot read ${path}: ${file.problem}`);
  checkDatasetSize(name, file.size, maxBytes);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new DatasetError(`${name}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseDataset(bytes, { ...parseOpts, name });
}

export function formatFromName(name: string): 'csv' | 'jsonl' {
  return /\.(jsonl|ndjson)$/i.test(name) ? 'jsonl' : 'csv';
}

/** Bytes must be UTF-8 (a BOM is dropped); on failure, name the first line that is not. */
export function decode(content: string | Uint8Array, name: string): string {
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

export function readCsv(text: string, name: string): RawTable {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      bom: true,
      delimiter: sniffDelimiter(text),
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
      throw new DatasetError(`${name} row ${rows.length + 1} (line ${info.lines}): expected ${columns.length} fields (as in the header), got ${record.length}`);
    }
    rows.push({ line: info.lines, cells: record });
  }
  return { columns, headerLine: header.info.lines, rows };
}

/** The delimiters a CSV may use, comma first (it wins a tie). */
const DELIMITERS = [',', ';', '\t'];

/**
 * The delimiter of a CSV: the one of comma, semicolon and tab that occurs most often outside quotes in the header
 * (the first line that is not blank); comma when none occurs.
 */
function sniffDelimiter(text: string): string {
  const counts = DELIMITERS.map(() => 0);
  let quoted = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) {
      if (started) break;
      continue;
    } else if (!quoted) {
      const d = DELIMITERS.indexOf(ch);
      if (d >= 0) counts[d]++;
    }
    if (ch.trim() !== '' && ch !== '\uFEFF') started = true;
  }
  let best = 0;
  counts.forEach((c, d) => {
    if (c > counts[best]) best = d;
  });
  return DELIMITERS[best];
}

export function readJsonl(text: string, name: string): RawTable {
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

/** Every column has a name, and no name repeats (the header's line is named when known); returns name -> index. */
export function checkColumnNames(table: RawTable, name: string): Map<string, number> {
  const at = table.headerLine !== undefined ? ` line ${table.headerLine}` : '';
  const firstIndex = new Map<string, number>();
  table.columns.forEach((c, i) => {
    if (c === '') throw new DatasetError(`${name}${at}: column ${i + 1} has no name`);
    const seen = firstIndex.get(c);
    if (seen !== undefined) {
      throw new DatasetError(`${name}${at}: duplicate column name ${JSON.stringify(c)} (columns ${seen + 1} and ${i + 1})`);
    }
    firstIndex.set(c, i);
  });
  return firstIndex;
}

function toDataset(table: RawTable, opts: ParseOptions): Dataset {
  const { name, target, task } = opts;
  const { columns, rows } = table;

  const firstIndex = checkColumnNames(table, name);

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
    throw new DatasetError(`${name}: ${missingCount} empty or NaN cell${missingCount === 1 ? '' : 's'} (fill or drop them): ${missing.join('; ')}${more}`);
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
        throw new DatasetError(`${name} row ${r + 1} (line ${row.line}), column "${SPLIT_COLUMN}": unknown split ${show(v)}; use train, validation or test`);
      }
      return label as SplitLabel;
    });
  }

  const constantColumns = features.filter((_, j) => x.every((row) => row[j] === x[0][j]));
  return { name, features, target, task, x, y, ...(classes !== undefined && { classes }), ...(split && { split }), constantColumns };
}

function listColumns(columns: string[]): string {
  const shown = columns
    .slice(0, 8)
    .map((c) => JSON.stringify(c))
    .join(', ');
  return columns.length > 8 ? `${shown}, ... (${columns.length} in all)` : shown || '(none)';
}

/** A value for a message: quoted, short, on one line. */
function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? typeof v);
  const cut = s.length > 40 ? s.slice(0, 40) + '...' : s;
  return typeof v === 'string' ? JSON.stringify(cut) : cut;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}
