/**
 * A dataset file's shape, without a target: is it a table regsweep can read (UTF-8; CSV with as many fields on
 * every row as in the header, one JSON object per line, or a JSON array of objects), with named, unique columns, at least two of them
 * besides `split` (a target and a feature), and at least 2 rows? Cell values are not checked: which columns must
 * be numbers depends on the target and features a spec picks, and parseDataset checks those. The file is read
 * by read.ts's readers, so both agree on what a row and a column are, and name problems the same way.
 */
import { DatasetError } from '../errors';
import { checkColumnNames, readTable, SPLIT_COLUMN, type DatasetFormat } from './read';

export interface DatasetShape {
  readonly format: DatasetFormat;
  /** Column names in file order (the CSV header, or the JSON keys). */
  readonly columns: string[];
  /** Data rows (blank lines skipped). */
  readonly rows: number;
}

/** The file's format, columns and row count; a DatasetError naming the file (and row or line) when it is not a table. */
export function inspectDataset(content: string | Uint8Array, opts: { name: string; format?: DatasetFormat }): DatasetShape {
  const { name } = opts;
  const { format, table } = readTable(content, name, opts.format);
  const { columns, rows } = table;
  checkColumnNames(table, name);
  const at = table.headerLine !== undefined ? ` line ${table.headerLine}` : '';
  if (rows.length < 2) {
    const got = rows.length === 0 ? 'a header but no data rows' : 'only 1 data row';
    throw new DatasetError(`${name}: too few rows: the file has ${got}; need at least 2`);
  }
  const usable = columns.filter((c) => c !== SPLIT_COLUMN);
  if (usable.length < 2) {
    const got = usable.length === 0 ? 'no column' : `one column (${JSON.stringify(usable[0])})`;
    throw new DatasetError(`${name}${at}: ${got} besides "${SPLIT_COLUMN}": a dataset needs a target column and at least one feature column`);
  }
  return { format, columns, rows: rows.length };
}
