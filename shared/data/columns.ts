/**
 * Column roles: what each input column of a table is, inferred from its values on the rows given (the non-test
 * rows of a sweep, never the test rows), or set by the spec; and the conversion of a cell to the value its role
 * uses. No AWS, no tfjs.
 *
 * Missing: a cell that is absent, null, NaN, or (after trimming, any case) one of "", "nan", "na", "n/a",
 * "null", "none", or a marker of `dataset.missing` (such as "?" or ".").
 *
 * Inference, on the non-missing cells of the rows given, first rule that holds:
 *   empty        every cell missing                                          -> dropped
 *   boolean      every cell true or false (JSON booleans, or the words)      -> 0 / 1
 *   numeric      more than half of the cells are numbers; a cell that is not a number in such a column is an
 *                error naming its row and column (mark it missing with dataset.missing, or declare the column
 *                categorical): a typo in a numeric column must not silently turn it into categories
 *   date         every cell an ISO 8601 date or date-time (2012-01-31, 2012-01-31T08:00:00Z)
 *                -> days since 1970-01-01 (UTC; a time of day as a fraction of a day)
 *   identifier   text with a different value in every row (20 rows or more)   -> dropped
 *   text         text with more distinct values than maxCategories (50)        -> dropped
 *   categorical  any other text (and numbers in a column that is mostly text, read as their text)
 * Numbers stay numeric however few distinct values they take (declare integer codes categorical).
 *
 * Numbers in range: a number beyond ±1e150 (its square, summed for the standardizer, overflows float64) or
 * denormal (nonzero and below 2.2e-308 in magnitude) is an error naming its row and column, at plan time, for a
 * feature and for a regression target alike: no trial could learn from it.
 */
import { DatasetError, SpecError } from '../errors';
import { listColumns, show } from './read';

/** Roles a spec may give a column (`dataset.columns`). */
export const COLUMN_ROLES = ['numeric', 'boolean', 'categorical', 'date', 'drop'] as const;
export type RoleOverride = (typeof COLUMN_ROLES)[number];
/** Roles a column may end up with: the used ones, and why a dropped one is dropped. */
export type Role = 'numeric' | 'boolean' | 'categorical' | 'date' | 'identifier' | 'text' | 'empty' | 'drop';
export type UsedRole = 'numeric' | 'boolean' | 'categorical' | 'date';
export const isUsed = (role: Role): role is UsedRole => role === 'numeric' || role === 'boolean' || role === 'categorical' || role === 'date';

/** Distinct text values beyond which a column counts as free text. @default 50 */
export const DEFAULT_MAX_CATEGORIES = 50;
/** A text column unique per row is an identifier once it has at least this many rows. */
const MIN_IDENTIFIER_ROWS = 20;

/** Cell texts read as a missing value (case-insensitive, after trimming). */
const MISSING = new Set(['', 'nan', 'na', 'n/a', 'null', 'none']);
const INFINITE = new Set(['inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity']);
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const MS_PER_DAY = 86_400_000;

/**
 * The largest magnitude a number may have: standardizing sums squares over the rows in float64, and 1e150 squared
 * (1e300) leaves room for 1e8 rows below float64's 1.8e308. Past it a column's mean and std overflow to Infinity.
 */
export const MAX_MAGNITUDE = 1e150;
/** The smallest normal float64: below it (and above 0) a value is denormal, and arithmetic on it loses precision or traps. */
export const MIN_NORMAL = 2.2250738585072014e-308;

/** Why a finite number cannot be used as it is (too large, or denormal), or undefined when it can. */
export function outOfRange(value: number): string | undefined {
  const a = Math.abs(value);
  if (a > MAX_MAGNITUDE) {
    return `${value} is beyond ±${MAX_MAGNITUDE}, where its square overflows float64: rescale the column (divide it by a power of 10) or take its logarithm`;
  }
  if (a > 0 && a < MIN_NORMAL) return `${value} is denormal (nonzero and below ${MIN_NORMAL} in magnitude): rescale the column, or write it as 0`;
  return undefined;
}

/** A cell after reading: null when missing, else a number, a boolean or a trimmed string. */
export type Value = number | boolean | string | null;
/** A cell as its role uses it: a number (numeric, boolean, date), a category (categorical), or null (missing). */
export type Converted = number | string | null;

/** The missing markers: the built-in ones and `extra` (compared after trimming, in any case). */
export const missingMarkers = (extra: readonly string[] = []): ReadonlySet<string> => new Set([...MISSING, ...extra.map((m) => m.trim().toLowerCase())]);

/** A raw cell (a CSV string or a JSON value) as a Value; JSON objects and arrays are read as their JSON text. */
export function readCell(v: unknown, missing: ReadonlySet<string>): Value {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (typeof v === 'boolean') return v;
  const s = typeof v === 'string' ? v.trim() : JSON.stringify(v);
  return missing.has(s.toLowerCase()) ? null : s;
}

const isNumberText = (s: string) => NUMBER_RE.test(s) || INFINITE.has(s.toLowerCase());
const isBooleanText = (s: string) => s.toLowerCase() === 'true' || s.toLowerCase() === 'false';

/** The role of a column from its cells (missing ones included), and why when it is dropped. */
export function inferRole(cells: readonly Value[], maxCategories = DEFAULT_MAX_CATEGORIES): { role: Role; reason?: string } {
  const present = cells.filter((v): v is Exclude<Value, null> => v !== null);
  const n = present.length;
  if (n === 0) return { role: 'empty', reason: 'every value missing' };
  if (present.every((v) => typeof v === 'boolean' || (typeof v === 'string' && isBooleanText(v)))) return { role: 'boolean' };
  const numbers = present.filter((v) => typeof v === 'number' || (typeof v === 'string' && isNumberText(v))).length;
  if (numbers * 2 > n) return { role: 'numeric' };
  if (present.every((v) => typeof v === 'string' && DATE_RE.test(v) && !Number.isNaN(Date.parse(v)))) return { role: 'date' };
  const distinct = new Set(present.map(String)).size;
  if (distinct === n && n >= MIN_IDENTIFIER_ROWS) return { role: 'identifier', reason: 'a different value in every row (an identifier)' };
  if (distinct > maxCategories) return { role: 'text', reason: `free text: ${distinct} distinct values, over ${maxCategories} (dataset.maxCategories)` };
  return { role: 'categorical' };
}

/**
 * A value converted for `role`, or the reason it cannot be; `range` when the reason is a number out of range
 * (outOfRange), which no missing marker or other role would fix.
 */
export function convertCell(v: Value, role: UsedRole): { ok: true; value: Converted } | { ok: false; why: string; range?: true } {
  if (v === null) return { ok: true, value: null };
  switch (role) {
    case 'categorical':
      return { ok: true, value: String(v) };
    case 'boolean':
      if (typeof v === 'boolean') return { ok: true, value: v ? 1 : 0 };
      if (typeof v === 'string' && isBooleanText(v)) return { ok: true, value: v.toLowerCase() === 'true' ? 1 : 0 };
      if (v === 0 || v === 1 || v === '0' || v === '1') return { ok: true, value: Number(v) };
      return { ok: false, why: `not a boolean (true, false, 1 or 0): ${show(v)}` };
    case 'date': {
      const ms = typeof v === 'string' && DATE_RE.test(v) ? Date.parse(utcIso(v)) : NaN;
      return Number.isNaN(ms) ? { ok: false, why: `not an ISO 8601 date (such as 2012-01-31): ${show(v)}` } : { ok: true, value: ms / MS_PER_DAY };
    }
    case 'numeric':
      return toNumber(v);
  }
}

/** An ISO date-time without a zone is read as UTC (Date.parse would read it in the machine's zone). */
function utcIso(v: string): string {
  const t = v.replace(' ', 'T');
  return t.length > 10 && !/(?:Z|[+-]\d{2}:?\d{2})$/.test(t) ? `${t}Z` : t;
}

function toNumber(v: number | boolean | string): { ok: true; value: number } | { ok: false; why: string; range?: true } {
  if (typeof v === 'boolean') return { ok: true, value: v ? 1 : 0 };
  if (typeof v === 'number') return Number.isFinite(v) ? inRange(v) : { ok: false, why: `value overflows to ${v}` };
  if (INFINITE.has(v.toLowerCase())) return { ok: false, why: `not a finite number: ${show(v)}` };
  if (!NUMBER_RE.test(v)) return { ok: false, why: `not a number: ${show(v)}` };
  const value = Number(v);
  return Number.isFinite(value) ? inRange(value) : { ok: false, why: `value ${show(v)} overflows to ${value}` };
}

function inRange(value: number): { ok: true; value: number } | { ok: false; why: string; range: true } {
  const why = outOfRange(value);
  return why === undefined ? { ok: true, value } : { ok: false, why, range: true };
}

/** The spec's column overrides, merged into name -> role. */
export interface ColumnOverrides {
  readonly columns?: Readonly<Record<string, RoleOverride>>;
  readonly drop?: readonly string[];
  readonly categorical?: readonly string[];
}

/**
 * name -> role from `dataset.columns`, `dataset.drop` and `dataset.categorical`; a name that is not a column
 * of the file (or is the target), or a column given two different roles, is a SpecError naming the field.
 */
export function roleOverrides(o: ColumnOverrides, columns: readonly string[], target: string, file: string): Map<string, RoleOverride> {
  const roles = new Map<string, RoleOverride>();
  const set = (field: string, column: string, role: RoleOverride) => {
    if (column === target) throw new SpecError(`${field}: ${JSON.stringify(column)} is the target column`);
    if (!columns.includes(column)) {
      throw new SpecError(`${field}: no column ${JSON.stringify(column)} in ${file}; its columns: ${listColumns([...columns])}`);
    }
    const had = roles.get(column);
    if (had !== undefined && had !== role) throw new SpecError(`${field}: column ${JSON.stringify(column)} is also given the role ${had}`);
    roles.set(column, role);
  };
  for (const [column, role] of Object.entries(o.columns ?? {})) set(`dataset.columns.${column}`, column, role);
  for (const column of o.drop ?? []) set('dataset.drop', column, 'drop');
  for (const column of o.categorical ?? []) set('dataset.categorical', column, 'categorical');
  return roles;
}

/**
 * Throw the DatasetError of a cell that its column's role cannot use; `declared` (the role was given) or `range` (the
 * number is out of range) leaves out the hint about missing markers and roles, which would not help.
 */
export function cellError(file: string, where: string, column: string, role: UsedRole, why: string, declared: boolean, range = false): never {
  const hint =
    declared || range
      ? ''
      : role === 'numeric'
        ? ' (the column is mostly numbers: add the value to dataset.missing, or declare the column categorical)'
        : ` (the column was read as ${role})`;
  throw new DatasetError(`${file} ${where}, column ${JSON.stringify(column)}: ${why}${hint}`);
}
