/**
 * Reading a dataset file into a raw table: CSV (header row; comma, semicolon or tab delimited, detected from
 * the header), JSON Lines (one object per line) or a JSON array of objects. Cells stay as read (strings from
 * CSV, JSON values from JSON); what they mean is columns.ts's business. No AWS, no tfjs.
 *
 * Every problem is a DatasetError with a one-line message naming the file and, where it applies, the row and
 * line: `cars.csv row 12 (line 13): expected 9 fields (as in the header), got 8`. `row N` counts data rows
 * from 1 (the CSV header is not a row; blank lines are skipped); `line L` is the line of the file, so the user
 * can jump to it in an editor (a JSON array has no line per row, so its rows are named by number only).
 */
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { DatasetError } from '../errors';

import type { DatasetFormat } from '../vocabulary';

export { DATASET_FORMATS, type DatasetFormat } from '../vocabulary';

/** The column that, when present, fixes the split of each row. */
export const SPLIT_COLUMN = 'split';

/** One data row as read from the file, before any conversion. */
export interface RawRow {
  /** Line of the file (1-based); for a CSV record spanning lines, its last line; undefined in a JSON array. */
  readonly line?: number;
  /** Cells in column order: strings from CSV, any JSON value from JSON (undefined when a key is absent). */
  readonly cells: readonly unknown[];
}

export interface RawTable {
  readonly columns: string[];
  /** Line of the CSV header; undefined for JSON (its columns come from the rows' keys). */
  readonly headerLine?: number;
  readonly rows: RawRow[];
}

/** `row 3 (line 4)`, or `row 3` when the row has no line of its own: row numbers count from 1. */
export const rowWhere = (index: number, row: RawRow): string => `row ${index + 1}${row.line !== undefined ? ` (line ${row.line})` : ''}`;

/**
 * The format of a file: `format` when given; else `.jsonl` / `.ndjson` -> jsonl, `.json` -> json, and any
 * other name (.csv, .tsv, .txt, none) by its content: json when the text starts with `[` (a JSON array), jsonl
 * when it starts with `{` (an object per line), csv otherwise (its delimiter is sniffed: comma, semicolon, tab).
 */
export function detectFormat(name: string, text: string, format?: DatasetFormat): DatasetFormat {
  if (format) return format;
  if (/\.(jsonl|ndjson)$/i.test(name)) return 'jsonl';
  if (/\.json$/i.test(name)) return 'json';
  const start = text.replace(/^\uFEFF/, '').trimStart();
  return start.startsWith('[') ? 'json' : start.startsWith('{') ? 'jsonl' : 'csv';
}

/** Decode and read a file's content as a table of its format (see detectFormat); an empty file is refused. */
export function readTable(content: string | Uint8Array, name: string, format?: DatasetFormat): { format: DatasetFormat; table: RawTable } {
  const text = decode(content, name);
  if (text.trim() === '') throw new DatasetError(`${name}: the file is empty`);
  const f = detectFormat(name, text, format);
  const table = f === 'jsonl' ? readJsonl(text, name) : f === 'json' ? readJsonArray(text, name) : readCsv(text, name);
  return { format: f, table };
}

/**
 * Bytes must be UTF-8 (a BOM is dropped); on failure, name the first line that is not. UTF-16 (a UTF-16 BOM, or
 * NUL bytes beside ASCII ones, which are valid UTF-8 but no table) is named as such.
 */
export function decode(content: string | Uint8Array, name: string): string {
  const utf16 = utf16Of(content);
  if (utf16) throw new DatasetError(`${name}: the file is UTF-16 (${utf16}) text, not UTF-8: save it as UTF-8 (in Excel: CSV UTF-8)`);
  if (typeof content === 'string') return content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content); // drops a leading BOM
  } catch {
    const line = firstNonUtf8Line(content);
    throw new DatasetError(`${name}${line ? ` line ${line}` : ''}: not valid UTF-8 text (save the file as UTF-8)`);
  }
}

/** `little-endian` or `big-endian` when `content` looks like UTF-16: its BOM, or NULs in every other byte of its start. */
function utf16Of(content: string | Uint8Array): string | undefined {
  if (typeof content === 'string') {
    const start = content.slice(0, 200);
    return start.length >= 4 && (start.match(/\0/g)?.length ?? 0) * 3 >= start.length ? 'with NUL characters between the letters' : undefined;
  }
  if (content[0] === 0xff && content[1] === 0xfe) return 'little-endian';
  if (content[0] === 0xfe && content[1] === 0xff) return 'big-endian';
  const n = Math.min(content.length, 200) & ~1;
  if (n < 4) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (content[i] === 0) even++;
    if (content[i + 1] === 0) odd++;
  }
  const half = n / 2; // ASCII text in UTF-16 has a NUL in (nearly) every high byte and in no low byte
  if (odd >= 0.8 * half && even < 0.2 * half) return 'little-endian';
  if (even >= 0.8 * half && odd < 0.2 * half) return 'big-endian';
  return undefined;
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
      // CRLF and LF both end a record, so a file whose lines mix them (a CRLF header over LF rows) reads as written
      record_delimiter: ['\r\n', '\n', '\r'],
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

/**
 * A JSON array of objects, one per row. The columns are the keys of all rows, in the order they first occur;
 * a key a row lacks is a missing value there.
 */
export function readJsonArray(text: string, name: string): RawTable {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new DatasetError(`${name}: not valid JSON (${oneLine((e as Error).message)})`);
  }
  if (!Array.isArray(value)) throw new DatasetError(`${name}: not a JSON array of objects, got ${show(value)}`);
  const columns: string[] = [];
  const known = new Set<string>();
  value.forEach((obj: unknown, i) => {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw new DatasetError(`${name} row ${i + 1}: not a JSON object, got ${Array.isArray(obj) ? 'an array' : show(obj)}`);
    }
    for (const k of Object.keys(obj)) {
      if (!known.has(k)) {
        known.add(k);
        columns.push(k);
      }
    }
  });
  const rows = (value as Record<string, unknown>[]).map((obj) => ({ cells: columns.map((c) => obj[c]) }));
  return { columns, rows };
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

export function listColumns(columns: string[]): string {
  const shown = columns
    .slice(0, 8)
    .map((c) => JSON.stringify(c))
    .join(', ');
  return columns.length > 8 ? `${shown}, ... (${columns.length} in all)` : shown || '(none)';
}

/** A value for a message: quoted, short, on one line. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? typeof v);
  const cut = s.length > 40 ? s.slice(0, 40) + '...' : s;
  return typeof v === 'string' ? JSON.stringify(cut) : cut;
}

export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}
