/**
 * The words every part of regsweep shares: tasks, dataset formats, column roles, selection rules and metrics,
 * and the limits a spec is checked against. A leaf: it imports nothing, so parsing a spec (even in CDK synth)
 * loads no reader, solver or store, and no folder of shared/ has to import another one just for a name.
 */

/** What a sweep predicts. */
export const TASKS = ['regression', 'classification'] as const;
export type Task = (typeof TASKS)[number];

/** Dataset file formats read by shared/data/read.ts (the format comes from `dataset.format` or the file's name). */
export const DATASET_FORMATS = ['csv', 'jsonl', 'json'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** Roles a spec may give a column (`dataset.columns`; shared/data/columns.ts says what each means). */
export const COLUMN_ROLES = ['numeric', 'boolean', 'categorical', 'date', 'drop'] as const;
export type RoleOverride = (typeof COLUMN_ROLES)[number];

/** Distinct text values beyond which a column counts as free text. @default 50 */
export const DEFAULT_MAX_CATEGORIES = 50;

/** The largest dataset file read by default, in bytes (`limits.maxDatasetBytes`), checked before reading. */
export const DEFAULT_MAX_DATASET_BYTES = 100 * 1024 * 1024;

/** The selection rules (`selection.rule`; shared/study/selection.ts applies them). */
export const SELECTION_RULES = ['min', 'one-standard-error'] as const;
export type SelectionRule = (typeof SELECTION_RULES)[number];

/**
 * What selection ranks configs by: the validation loss (MSE or mean cross-entropy), or a classification score of
 * shared/training/metrics.ts. Regression has only the loss: R² = 1 - MSE / variance of the same rows is the MSE
 * rescaled per fold, so it would rank the configs as the loss does.
 */
export const SELECTION_METRICS = ['loss', 'accuracy', 'balancedAccuracy', 'macroF1', 'rocAuc'] as const;
export type SelectionMetric = (typeof SELECTION_METRICS)[number];

/** Search strategies (`search.strategy`; shared/search/strategy.ts): which trials a sweep runs. @default grid */
export const SEARCH_STRATEGIES = ['grid'] as const;
export type SearchStrategyName = (typeof SEARCH_STRATEGIES)[number];

/** A safe id (sweep ids, dataset names in keys): lower-case letters, digits and '-', at most 63. */
export const SLUG_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The most trials one TrainTrial invocation runs: a batch's event (~150 bytes an item) stays far under 256 KB. */
export const MAX_BATCH_SIZE = 500;
