import { encodeRows, fitPreprocessor } from '../../shared/data/preprocess';
import type { Dataset } from '../../shared/data/parse';

/**
 * The design of every row of a dataset before standardization, and its column names: for a table of complete
 * numeric columns (the examples' CSVs), exactly the numbers of the file, for reference computations.
 */
export function rawMatrix(ds: Dataset): { x: number[][]; features: string[] } {
  const rows = ds.y.map((_, i) => i);
  const pre = fitPreprocessor(ds, rows);
  return { x: encodeRows(pre, ds, rows), features: pre.features };
}
