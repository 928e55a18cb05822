/**
 * Column roles: what each input column of a table is, inferred from its values on the rows given (the non-test
 * rows of a sweep, never the test rows), or set by the spec; and the conversion of a cell to the value its role
 * uses. No AWS, no tfjs.
 *
 * Missing: a cell that is absent, null, NaN, or (after trimming, any case) one of "", "nan", "na", "n/a",
 * "null", "none", or a marker of `dataset.missing` (such as "?" or ".").
 *
 * Inference, on the non-missing cells of the rows given, first rule that holds (the rule is kept, and shown):
 *   empty        every cell missing                                          -> dropped
 *   boolean      every cell true or false (JSON booleans, or the words)      -> 0 / 1
 *   numeric      more than half of the cells are numbers; a cell that is not a number in such a column is an
 *                error naming its row and column (mark it missing with dataset.missing, or declare the column
 *                categorical): a typo in a numeric column must not silently turn it into categories. A number may
 *                have thousands separators (45,571,090: groups of exactly three digits after the first)
 *   date         every cell a date of one of DATE_FORMATS (ISO 8601 2012-01-31 or 2012-01-31T08:00:00Z, 2012/01/31,
 *                01/31/2012, 31/01/2012, 31.01.2012; each with an optional time HH:MM or HH:MM:SS), the format
 *                inferred on these rows (month or day first: the one no cell contradicts, month on a tie) and shown
 *                -> days since 1970-01-01 (UTC; a time of day as a fraction of a day); an impossible date
 *                (2020-02-30) is an error naming its row
 *   identifier   text with a different value in every row (20 rows or more)   -> dropped
 *   text         free text: more distinct values than maxCategories (50), and most rows with a value of their
 *                own or values over 40 characters on average              -> dropped
 *   categorical  any other text (and numbers in a column that is mostly text, read as their text); beyond
 *                maxCategories levels the rarer ones are pooled into one "(other)" level (preprocess.ts), as
 *                scikit-learn's OneHotEncoder(max_categories) does
 * Numbers stay numeric however few distinct values they take (declare integer codes categorical).
 *
 * Numbers in range: a number beyond ±1e150 (its square, summed for the standardizer, overflows float64) or
 * denormal (nonzero and below 2.2e-308 in magnitude) is an error naming its row and column, at plan time, for a
 * feature and for a regression target alike: no trial could learn from it.
 */
import { DatasetError, SpecError } from '../errors';
import { DEFAULT_MAX_CATEGORIES, type RoleOverride } from '../vocabulary';
import { listColumns, show } from './read';

export { COLUMN_ROLES, DEFAULT_MAX_CATEGORIES, type RoleOverride } from '../vocabulary';
/** Roles a column may end up with: the used ones, and why a dropped one is dropped. */
export type Role = 'numeric' | 'boolean' | 'categorical' | 'date' | 'identifier' | 'text' | 'empty' | 'drop';
export type UsedRole = 'numeric' | 'boolean' | 'categorical' | 'date';
export const isUsed = (role: Role): role is UsedRole => role === 'numeric' || role === 'boolean' || role === 'categorical' || role === 'date';

/** A text column unique per row is an identifier once it has at least this many rows. */
const MIN_IDENTIFIER_ROWS = 20;

/** Cell texts read as a missing value (case-insensitive, after trimming). */
const MISSING = new Set(['', 'nan', 'na', 'n/a', 'null', 'none']);
const INFINITE = new Set(['inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity']);
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** A number with thousands separators: 45,571,090 or -1,234.5 (every group after the first exactly 3 digits). */
const GROUPED_RE = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;
const MS_PER_DAY = 86_400_000;

/**
 * The date formats a column may be in (the time of day optional in each); ISO first, and month before day when no
 * cell tells them apart (as pandas reads dates).
 */
export const DATE_FORMATS = ['YYYY-MM-DD', 'YYYY/MM/DD', 'MM/DD/YYYY', 'DD/MM/YYYY', 'DD.MM.YYYY'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];
const TIME = String.raw`(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?`;
const DATE_SHAPES: Record<DateFormat, { re: RegExp; ymd: [number, number, number] }> = {
  'YYYY-MM-DD': { re: new RegExp(String.raw`^(\d{4})-(\d{2})-(\d{2})${TIME}(Z|[+-]\d{2}:?\d{2})?$`), ymd: [1, 2, 3] },
  'YYYY/MM/DD': { re: new RegExp(String.raw`^(\d{4})/(\d{1,2})/(\d{1,2})${TIME}$`), ymd: [1, 2, 3] },
  'DD/MM/YYYY': { re: new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})${TIME}$`), ymd: [3, 2, 1] },
  'MM/DD/YYYY': { re: new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})${TIME}$`), ymd: [3, 1, 2] },
  'DD.MM.YYYY': { re: new RegExp(String.raw`^(\d{1,2})\.(\d{1,2})\.(\d{4})${TIME}$`), ymd: [3, 2, 1] },
};

/**
 * Milliseconds since 1970-01-01 UTC of `text` in `format` (no zone: UTC), or why it is not a date: a text of
 * another shape, or an impossible date or time (2020-02-30, 25:00).
 */
export function parseDate(text: string, format: DateFormat): { ok: true; ms: number } | { ok: false; why: string } {
  const { re, ymd } = DATE_SHAPES[format];
  const m = re.exec(text);
  if (!m) return { ok: false, why: `not a date in the column's format ${format}: ${show(text)}` };
  const [y, mo, d] = ymd.map((i) => Number(m[i]));
  const [h, mi, sec] = [m[4], m[5], m[6]].map((v) => (v === undefined ? 0 : Number(v)));
  const frac = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000;
  const daysIn = new Date(Date.UTC(y, mo, 0)).getUTCDate(); // day 0 of the next month: the last of this one
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn || h > 23 || mi > 59 || sec > 59) {
    return { ok: false, why: `not a possible date or time (${format}): ${show(text)}` };
  }
  let ms = Date.UTC(y, mo - 1, d, h, mi, sec) + frac;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    ms -= (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  return { ok: true, ms };
}

/**
 * The date format of a column's text cells: the first of DATE_FORMATS whose shape every cell has and whose dates
 * are all possible (so 31/01/2012 decides day first); when only the shape fits, the first such format (its
 * impossible cells are then errors naming their rows). Undefined when no format fits every cell.
 */
export function inferDateFormat(cells: readonly string[]): DateFormat | undefined {
  const shaped = DATE_FORMATS.filter((f) => cells.every((c) => DATE_SHAPES[f].re.test(c)));
  return shaped.find((f) => cells.every((c) => parseDate(c, f).ok)) ?? shaped[0];
}

/** The format with its time of day when the cells have one, for the user: `YYYY/MM/DD HH:MM`. */
const shownFormat = (format: DateFormat, cells: readonly string[]) => (cells.some((c) => /\d:\d{2}/.test(c)) ? `${format} HH:MM[:SS]` : format);

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

/**
 * The markers of a missing target: `given` (dataset.targetMissing) when set, else for regression the features'
 * markers (no number reads as NA), for classification none: labels such as None or NA are classes (a public table's
 * "None" meant "no damage" in 89% of its rows). An empty cell is always missing.
 */
export function targetMissingMarkers(task: 'regression' | 'classification', features: ReadonlySet<string>, given?: readonly string[]): ReadonlySet<string> {
  if (given) return new Set(['', ...given.map((m) => m.trim().toLowerCase())]);
  return task === 'regression' ? features : new Set(['']);
}

/** The built-in markers, which a classification target keeps as labels unless dataset.targetMissing lists them. */
export const isBuiltInMissing = (text: string): boolean => MISSING.has(text.trim().toLowerCase());

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

const isNumberText = (s: string) => NUMBER_RE.test(s) || GROUPED_RE.test(s) || INFINITE.has(s.toLowerCase());
const isBooleanText = (s: string) => s.toLowerCase() === 'true' || s.toLowerCase() === 'false';

/** Free text's values are this long on average (characters)... */
const TEXT_MEAN_LENGTH = 40;

/** What inference made of a column: its role, the rule that decided it, why it is dropped, a date column's format. */
export interface Inferred {
  readonly role: Role;
  /** The rule that decided the role, for the role table: `most cells numbers (thousands separators)`. */
  readonly rule: string;
  readonly reason?: string;
  readonly format?: DateFormat;
}

/** The role of a column from its cells (missing ones included), the rule that decided it, and why when it is dropped. */
export function inferRole(cells: readonly Value[], maxCategories = DEFAULT_MAX_CATEGORIES): Inferred {
  const present = cells.filter((v): v is Exclude<Value, null> => v !== null);
  const n = present.length;
  if (n === 0) return { role: 'empty', rule: 'every value missing', reason: 'every value missing' };
  if (present.every((v) => typeof v === 'boolean' || (typeof v === 'string' && isBooleanText(v))))
    return { role: 'boolean', rule: 'every value true or false' };
  const numbers = present.filter((v) => typeof v === 'number' || (typeof v === 'string' && isNumberText(v)));
  if (numbers.length * 2 > n) {
    const grouped = numbers.some((v) => typeof v === 'string' && GROUPED_RE.test(v));
    return {
      role: 'numeric',
      rule: `${numbers.length === n ? 'every value a number' : 'most values numbers'}${grouped ? ' (with thousands separators)' : ''}`,
    };
  }
  const texts = present.filter((v): v is string => typeof v === 'string');
  const format = texts.length === n ? inferDateFormat(texts) : undefined;
  if (format) return { role: 'date', rule: `every value a date (${shownFormat(format, texts)})`, format };
  const distinct = new Set(present.map(String)).size;
  if (distinct === n && n >= MIN_IDENTIFIER_ROWS) {
    return { role: 'identifier', rule: 'a different value in every row', reason: 'a different value in every row (an identifier)' };
  }
  if (distinct > maxCategories) {
    const meanLength = present.reduce<number>((a, v) => a + String(v).length, 0) / n;
    const why =
      distinct * 2 > n
        ? `most of the ${n} rows have a value of their own`
        : meanLength > TEXT_MEAN_LENGTH
          ? `${Math.round(meanLength)} characters long on average`
          : undefined;
    if (why) {
      const reason = `free text: ${distinct} distinct values, over ${maxCategories} (dataset.maxCategories), and ${why}`;
      return { role: 'text', rule: reason, reason };
    }
    return { role: 'categorical', rule: `${distinct} levels, the rarer beyond ${maxCategories} pooled into "(other)"` };
  }
  return { role: 'categorical', rule: `text of ${distinct} level${distinct === 1 ? '' : 's'}` };
}

/**
 * A value converted for `role`, or the reason it cannot be; `range` when the reason is a number out of range
 * (outOfRange), which no missing marker or other role would fix.
 */
export function convertCell(
  v: Value,
  role: UsedRole,
  format: DateFormat = 'YYYY-MM-DD',
): { ok: true; value: Converted } | { ok: false; why: string; range?: true } {
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
      if (typeof v !== 'string') return { ok: false, why: `not a date (${format}): ${show(v)}` };
      const d = parseDate(v, format);
      return d.ok ? { ok: true, value: d.ms / MS_PER_DAY } : d;
    }
    case 'numeric':
      return toNumber(v);
  }
}

function toNumber(v: number | boolean | string): { ok: true; value: number } | { ok: false; why: string; range?: true } {
  if (typeof v === 'boolean') return { ok: true, value: v ? 1 : 0 };
  if (typeof v === 'number') return Number.isFinite(v) ? inRange(v) : { ok: false, why: `value overflows to ${v}` };
  if (INFINITE.has(v.toLowerCase())) return { ok: false, why: `not a finite number: ${show(v)}` };
  const grouped = GROUPED_RE.test(v);
  if (!grouped && !NUMBER_RE.test(v)) return { ok: false, why: `not a number: ${show(v)}` };
  const value = Number(grouped ? v.replaceAll(',', '') : v);
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
