/**
 * Splits: hold out the test rows first, then k folds (or one holdout) of the rest, from a seed and stratified
 * by class for classification; or the rows a `split` column names. The test split does not depend on k.
 * A `split` column with validation rows fixes a single holdout, so it needs folds = 1 (refused otherwise).
 */
import { DatasetError, SpecError } from '../errors';
import type { SweepSpec } from '../search/spec';
import { createRng, shuffled, type Rng } from '../util/random';
import type { Task } from '../vocabulary';
import { SPLIT_COLUMN } from './read';

/** A row's label in a `split` column. */
export type SplitLabel = 'train' | 'validation' | 'test';

/** What splitting needs of a dataset (parse.ts's Dataset is one): its rows' targets (classes) and `split` labels. */
export interface Labeled {
  /** File name or S3 key; used in every error message. */
  readonly name: string;
  readonly target: string;
  readonly task: Task;
  /** Target per row; for classification the class index 0..K-1. */
  readonly y: number[];
  /** Only when the file has a `split` column (train | validation | test, case-insensitive). */
  readonly split?: SplitLabel[];
  /** Classification only: the label of each class, in index order. */
  readonly classNames?: string[];
}

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

/** A spec's validation settings as split options: the one mapping every step and command uses. */
export function splitOptions(spec: Pick<SweepSpec, 'validation'>): SplitOptions {
  const v = spec.validation;
  return { folds: v.folds, holdout: v.holdout, testFraction: v.testFraction, seed: v.seed };
}

/** Rows each fold needs at least. */
const MIN_VALIDATION = 1;
const MIN_TRAIN = 2;

/**
 * The test split and the folds, deterministic from the seed. The test split depends only on the rows, the
 * seed and testFraction (not on folds). Classification stratifies by class: every class with at least 2
 * non-test rows keeps at least one row in the training part of every fold.
 */
export function planSplits(ds: Labeled, opts: SplitOptions): SplitPlan {
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
      if (opts.folds !== 1) {
        // The labeled validation rows are the one holdout: planning k folds would plan trials for folds that do not exist.
        throw new SpecError(
          `validation.folds is ${opts.folds}, but ${ds.name}, ${col}: the rows labeled validation (${validation.length}) make a single holdout; ` +
            `set validation.folds to 1, or label those rows train to cross-validate over ${opts.folds} folds`,
        );
      }
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
  throw new DatasetError(message(`rows; each fold needs at least ${MIN_VALIDATION} validation and ${MIN_TRAIN} training rows (need at least ${need})`));
}

/** k-fold (folds >= 2) or a single holdout (folds = 1) over `rows`; stratified when `labels` is given. */
function makeFolds(ds: Labeled, rows: number[], labels: number[] | undefined, o: SplitOptions, rng: Rng): Fold[] {
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
        `${ds.name}, column ${JSON.stringify(ds.target)}: class ${ds.classNames?.[labels[single[0]]] ?? labels[single[0]]} has only 1 non-test row; ` +
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

/**
 * One random holdout of `fraction` of all rows for validation (stratified for classification), for training a
 * single config outside a sweep; fraction 0 trains on every row. A `split` column, if present, decides instead
 * (train rows train, validation rows validate, test rows are left out).
 */
export function holdoutSplit(ds: Labeled, fraction: number, seed: number): Fold {
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
