/**
 * The target column: rows with a missing target are dropped (a notice with their count; an error when almost
 * every row misses it), and the rest become numbers: the value itself for regression, a class index for
 * classification. Class labels of any type (strings, integers that are not 0..K-1, booleans) are mapped to
 * classes 0..K-1 whose names are kept: labels that are all numbers in ascending numeric order (so labels 0/1
 * stay classes 0/1, and labels {0, 7} are 2 classes "0" and "7"), booleans as false, true, anything else in
 * the order of its text.
 */
import { DatasetError } from '../errors';
import type { Task } from '../vocabulary';
import { convertCell, isBuiltInMissing, missingMarkers, readCell, type Value } from './columns';
import { rowWhere, show, type RawRow, type RawTable } from './read';

/** More than this share of rows without a target is an error, not a notice. */
export const MAX_MISSING_TARGET = 0.9;
/** How many rows a message lists before `and N more`. */
const SHOWN = 3;

export interface Target {
  /** Indices of the table's rows that have a target (the dataset's rows, in file order). */
  readonly rows: number[];
  /** Regression: the value; classification: the class index 0..K-1. */
  readonly y: number[];
  /** Classification: the name of each class, in index order. */
  readonly classNames?: string[];
  /** Notices for the user (rows dropped). */
  readonly notices: string[];
}

/** The target of every row that has one; errors name the file, row and column. */
export function readTarget(
  rows: readonly RawRow[],
  index: number,
  opts: { file: string; target: string; task: Task; missing: ReadonlySet<string>; markersGiven?: boolean },
): Target {
  const { file, target, task } = opts;
  const col = `column ${JSON.stringify(target)}`;
  const kept: number[] = [];
  const values: Exclude<Value, null>[] = [];
  const absent: string[] = [];
  rows.forEach((row, r) => {
    const v = readCell(row.cells[index], opts.missing);
    if (v === null) absent.push(rowWhere(r, row));
    else {
      kept.push(r);
      values.push(v);
    }
  });
  const notices: string[] = [];
  if (absent.length > 0) {
    const listed = `${absent.slice(0, SHOWN).join(', ')}${absent.length > SHOWN ? ` and ${absent.length - SHOWN} more` : ''}`;
    if (absent.length > MAX_MISSING_TARGET * rows.length || kept.length < 2) {
      throw new DatasetError(
        `${file}, ${col}: the target is missing in ${absent.length} of ${rows.length} rows (${listed}); at most ${MAX_MISSING_TARGET * 100}% may miss it`,
      );
    }
    notices.push(`${absent.length} row${absent.length === 1 ? '' : 's'} without a value of the target ${JSON.stringify(target)} dropped (${listed})`);
  }

  if (task === 'regression') {
    const y = values.map((v, i) => {
      const c = convertCell(v, 'numeric');
      if (!c.ok) {
        const hint = c.range ? '' : ' (a regression target must be a number)';
        throw new DatasetError(`${file} ${rowWhere(kept[i], rows[kept[i]])}, ${col}: ${c.why}${hint}`);
      }
      return c.value as number;
    });
    if (y.every((v) => v === y[0])) {
      throw new DatasetError(`${file}, ${col}: the target is constant (${y[0]} in every row that has it): there is nothing to learn`);
    }
    return { rows: kept, y, notices };
  }

  const keys = values.map(labelKey);
  const classNames = orderLabels(values, keys);
  if (classNames.length < 2) {
    throw new DatasetError(`${file}, ${col}: only one class (${classNames[0]}) present; classification needs at least 2`);
  }
  const classOf = new Map(classNames.map((c, i) => [c, i]));
  const y = keys.map((k) => classOf.get(k) as number);
  if (!opts.markersGiven) {
    for (const name of classNames.filter(isBuiltInMissing)) {
      const count = y.filter((c) => c === classOf.get(name)).length;
      notices.push(
        `class ${show(name)} (${count} row${count === 1 ? '' : 's'}) is kept as a class of ${JSON.stringify(target)}, though it reads as missing in a feature; ` +
          `to drop those rows instead, set dataset.targetMissing: [${JSON.stringify(name)}]`,
      );
    }
  }
  return { rows: kept, y, classNames, notices };
}

/** The class a label names: numbers by value ("7", "7.0" and 7 are one class), anything else by its text. */
function labelKey(v: Exclude<Value, null>): string {
  if (typeof v === 'string') {
    const n = convertCell(v, 'numeric');
    return n.ok ? String(n.value) : v;
  }
  return String(v);
}

/** The distinct class names in class order (see the module comment). */
function orderLabels(values: readonly Exclude<Value, null>[], keys: readonly string[]): string[] {
  const names = [...new Set(keys)];
  if (names.every((k) => !Number.isNaN(Number(k)) && k.trim() !== '')) return names.sort((a, b) => Number(a) - Number(b));
  if (values.every((v) => typeof v === 'boolean')) return names.sort(); // "false" < "true"
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The task a target column suggests: classification when a non-missing cell is not a number (text or a boolean),
 * regression otherwise (and when the column does not exist: reading the dataset then says so).
 */
export function taskOfTarget(table: RawTable, target: string): Task {
  const i = table.columns.indexOf(target);
  const missing = missingMarkers();
  const text =
    i >= 0 &&
    table.rows.some((row) => {
      const v = readCell(row.cells[i], missing);
      return v !== null && (typeof v === 'boolean' || !convertCell(v, 'numeric').ok);
    });
  return text ? 'classification' : 'regression';
}

/** Classes with fewer rows than folds (a notice: some folds will validate without them). */
export function rareClasses(y: readonly number[], classNames: readonly string[], folds: number): string[] {
  const counts = classNames.map(() => 0);
  for (const c of y) counts[c]++;
  const rare = classNames.filter((_, c) => counts[c] < folds);
  if (rare.length === 0 || folds < 2) return [];
  const list = rare.map((name) => `${show(name)} (${counts[classNames.indexOf(name)]})`).join(', ');
  return [`class${rare.length === 1 ? '' : 'es'} with fewer rows than the ${folds} folds: ${list}; some folds validate without them`];
}
