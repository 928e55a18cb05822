/**
 * What a sweep made of its dataset, for the user to see before (validate, local) and after (leaderboard,
 * report) the sweep: rows kept and dropped, class names, and per column its role and what becomes of it,
 * counted on the non-test rows (what the roles were inferred on). Written once per sweep by PlanSweep.
 */
import { z } from 'zod';
import { DEFAULT_MAX_CATEGORIES, isUsed } from './columns';
import type { Dataset } from './parse';

export const DataSummarySchema = z.object({
  /** Rows used (train + validation + test), after rows without a target are dropped. */
  rows: z.number().int(),
  droppedRows: z.number().int(),
  target: z.string(),
  task: z.enum(['regression', 'classification']),
  classNames: z.array(z.string()).optional(),
  /** Every input column: its role, and what becomes of it (`kept`, `one-hot 3 levels`, `dropped: ...`). */
  columns: z.array(z.object({ name: z.string(), role: z.string(), use: z.string(), rule: z.string().optional() })),
  notices: z.array(z.string()),
});
export type DataSummary = z.output<typeof DataSummarySchema>;

/** The summary of `ds`, with missing values and levels counted on `rows` (the non-test rows). */
export function summarizeDataset(ds: Dataset, rows: readonly number[]): DataSummary {
  const max = ds.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  const columns = ds.columns.map((c) => {
    const role = c.declared ? `${c.role} (declared)` : c.role;
    const rule = c.rule !== undefined ? { rule: c.rule } : {};
    if (!isUsed(c.role)) return { name: c.name, role, use: c.role === 'drop' ? 'dropped (dataset.drop)' : `dropped: ${c.reason}`, ...rule };
    const cells = rows.map((r) => c.values[r]).filter((v) => v !== null && !Number.isNaN(v));
    const missing = rows.length - cells.length;
    const levels = new Set(cells).size;
    const onehot = levels > max ? `one-hot the ${max - 1} most frequent of ${levels} levels + "(other)"` : `one-hot ${levels} level${levels === 1 ? '' : 's'}`;
    const parts =
      c.role === 'categorical'
        ? [`${onehot}${missing ? ` + a missing level (${missing} missing)` : ''}`]
        : [
            c.role === 'date' ? `days since 1970-01-01${c.format ? ` (read as ${c.format})` : ''}` : 'kept',
            ...(missing ? [`${missing} missing imputed (${ds.impute}) + indicator`] : []),
          ];
    return { name: c.name, role, use: parts.join('; '), ...rule };
  });
  return {
    rows: ds.y.length,
    droppedRows: ds.droppedRows,
    target: ds.target,
    task: ds.task,
    ...(ds.classNames && { classNames: ds.classNames }),
    columns,
    notices: ds.notices,
  };
}

/** The summary as aligned text lines (`  name  role  use  [rule]`), for the terminal: the rule says why the role. */
export function columnLines(s: DataSummary): string[] {
  const w1 = Math.max(...s.columns.map((c) => c.name.length));
  const w2 = Math.max(...s.columns.map((c) => c.role.length));
  const w3 = Math.max(...s.columns.map((c) => c.use.length));
  return s.columns.map((c) => `  ${c.name.padEnd(w1)}  ${c.role.padEnd(w2)}  ${c.rule ? `${c.use.padEnd(w3)}  [${c.rule}]` : c.use}`);
}
