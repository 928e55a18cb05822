/**
 * How numbers, scores and the selection rule read, in the terminal and in the HTML report alike: one copy of
 * each helper, so the two never disagree. Missing values print as '-'.
 */
import { BASELINE, pathOf } from '../shared/regularizers';
import type { SelectionMetric } from '../shared/search/spec';
import { boardMetric, NOISE_STD_ERRS, type ConfigSummary, type Leaderboard, type Paired } from '../shared/study/leaderboard';
import { higherIsBetter, metricStats } from '../shared/study/selection';

type Task = Leaderboard['task'];
type Maybe = number | null | undefined;

const missing = (v: Maybe): v is null | undefined => v === null || v === undefined || Number.isNaN(v);

/** Number formatting for tables: 4 significant digits, '-' for missing. */
export function fmt(v: Maybe, digits = 4): string {
  if (missing(v)) return '-';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}

/** A share as a percentage with one decimal: 0.4817 -> 48.2%. */
export const pct = (v: Maybe): string => (missing(v) ? '-' : `${(v * 100).toFixed(1)}%`);

/** A difference with its sign: +0.25, -1.3. */
export const signed = (v: Maybe): string => (missing(v) ? '-' : `${v > 0 ? '+' : ''}${fmt(v)}`);

/** Name of the loss for axis titles and table heads. */
export const lossName = (task: Task): string => (task === 'classification' ? 'cross-entropy' : 'MSE');

/** Scores a set of metrics may hold (shared/training/metrics.ts), each missing when not computed. */
export interface Scores {
  readonly r2?: Maybe;
  readonly accuracy?: Maybe;
  readonly balancedAccuracy?: Maybe;
  readonly macroF1?: Maybe;
  readonly rocAuc?: Maybe;
}
type ScoreKey = keyof Scores;

/** Each score's name, its short name for narrow tables, and how its values read (shares as percentages). */
const SCORES: Record<ScoreKey, { name: string; short: string; text: (v: Maybe) => string }> = {
  r2: { name: 'R²', short: 'R²', text: (v) => fmt(v, 3) },
  accuracy: { name: 'accuracy', short: 'accuracy', text: pct },
  balancedAccuracy: { name: 'balanced accuracy', short: 'bal. acc', text: pct },
  macroF1: { name: 'macro F1', short: 'macro F1', text: (v) => fmt(v, 3) },
  rocAuc: { name: 'ROC AUC', short: 'ROC AUC', text: (v) => fmt(v, 3) },
};

/** The scores of a task, in order: R² for regression; accuracy, balanced accuracy, macro F1, ROC AUC for classification. */
export function scoreColumns(task: Task): { key: ScoreKey; name: string; short: string; text: (m: Scores) => string }[] {
  const keys: ScoreKey[] = task === 'regression' ? ['r2'] : ['accuracy', 'balancedAccuracy', 'macroF1', 'rocAuc'];
  return keys.map((key) => ({ key, ...SCORES[key], text: (m: Scores) => SCORES[key].text(m[key]) }));
}

/** The scores of a set of metrics in words (but `omit`): `accuracy 90.0%, balanced accuracy 85.0%, macro F1 0.84, ROC AUC 0.93`. */
export const scoresText = (task: Task, m: Scores, omit?: SelectionMetric): string =>
  scoreColumns(task)
    .filter((c) => c.key !== omit)
    .map((c) => `${c.name} ${c.text(m)}`)
    .join(', ');

/** A leaderboard config's mean scores over folds. */
export const configScores = (c: ConfigSummary): Scores => ({
  r2: c.meanR2,
  accuracy: c.meanAccuracy,
  balancedAccuracy: c.meanBalancedAccuracy,
  macroF1: c.meanMacroF1,
  rocAuc: c.meanRocAuc,
});

/** The name of a selection metric: `loss` or the score's name. */
export const metricName = (metric: SelectionMetric): string => (metric === 'loss' ? 'loss' : SCORES[metric].name);

/** A value of a selection metric: a loss to 4 digits, a score as the score reads. */
export const metricText = (metric: SelectionMetric, v: Maybe): string => (metric === 'loss' ? fmt(v) : SCORES[metric].text(v));

/** A config's mean ± standard error of the board's metric: `0.4213 ± 0.0123`, `85.0% ± 1.2%`. */
export function metricCell(board: Leaderboard, c: ConfigSummary): string {
  const metric = boardMetric(board);
  const { mean, stdErr } = metricStats(c, metric);
  return `${metricText(metric, mean)} ± ${metric === 'loss' ? fmt(stdErr, 3) : metricText(metric, stdErr)}`;
}

/** The score beside the loss: R² for regression, accuracy for classification. */
export const scoreName = (task: Task): string => scoreColumns(task)[0].name;

/** The task's score of a set of metrics: accuracy as a percentage, R² to 3 digits. */
export const scoreText = (task: Task, m: Scores | undefined): string => (m ? scoreColumns(task)[0].text(m) : '-');

/** A duration: 850 ms, 4.2s, 45s, 12m 30s, 2h 5m. */
export function duration(ms: Maybe): string {
  if (missing(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** A config's path: `l2+dropout p=0.3, λ varying`; `dropout, p varying`. */
export function pathText(reg: Leaderboard['best']['reg']): string {
  const path = pathOf(reg);
  return path.axis ? `${path.label}, ${path.axis.symbol} varying` : BASELINE;
}

/**
 * Why the leaderboard's rule chose its best config, as shared/study/selection.ts applies it, in the board's
 * metric: `min` takes the lowest mean validation loss (or the highest mean score); `one-standard-error` the most
 * regularized config on the path of the best (its type, dropout rate and l1Ratio, lambda varying; the rate for
 * dropout) whose mean is within one standard error of the best. With one fold there is no standard error, and
 * the rule is `min`.
 */
export function ruleText(board: Leaderboard): string {
  const chosen = board.best;
  const metric = boardMetric(board);
  const folds = chosen.folds.planned;
  const cv = folds > 1 ? `over ${folds} folds` : 'on the holdout';
  const top = higherIsBetter(metric) ? 'highest' : 'lowest';
  const measure = `mean validation ${metricName(metric)}`;
  if (board.rule === 'min') return `the ${top} ${measure} ${cv}`;
  if (folds <= 1) return `the ${top} ${measure} ${cv} (a single holdout has no standard error: the rule is min)`;
  const lowest = board.configs[0];
  if (lowest.configId === chosen.configId) {
    return `it has the ${top} ${measure} ${cv}, and no more regularized config on its path (${pathText(chosen.reg)}) is within one standard error of it`;
  }
  const { mean, stdErr } = metricStats(lowest, metric);
  const bound = metric === 'loss' ? `${fmt(mean)} + ${fmt(stdErr, 3)}` : `${metricText(metric, mean)} − ${metricText(metric, stdErr)}`;
  return (
    `the most regularized config on the path of the ${top} (${pathText(lowest.reg)}) whose ${measure} ${cv} is ` +
    `within one standard error of the ${top} (${lowest.label}: ${bound})`
  );
}

/** A share of none's loss with its sign: -0.123 -> -12.3%. */
const signedPct = (v: number) => `${v > 0 ? '+' : ''}${pct(v)}`;

/** A score difference in percentage points, with its sign when asked: 0.031 -> 3.1 or +3.1. */
const points = (v: number, sign = false) => `${sign && v > 0 ? '+' : ''}${(v * 100).toFixed(1)}`;

/**
 * A paired difference from none for a table cell, with its standard error and folds won: for the loss the change
 * as a share of none's loss (`-12.3% ± 4.1% (5/5)`), for a score the change in percentage points
 * (`+3.1 ± 1.2 pts (5/5)`).
 */
export function pairedCell(p: Paired | undefined, metric: SelectionMetric = 'loss'): string {
  if (!p) return '-';
  const change = metric === 'loss' ? `${signedPct(p.relDiff)} ± ${pct(p.relStdErr)}` : `${points(p.meanDiff, true)} ± ${points(p.stdErr)} pts`;
  return `${change} (${p.foldsWon}/${p.folds})`;
}

/** How a config compares with none in words: `beats no regularization by 12.3% ± 4.1%, 5 of 5 folds`. */
function pairedWords(label: string, p: Paired, metric: SelectionMetric): string {
  const folds = `${p.foldsWon} of ${p.folds} fold${p.folds === 1 ? '' : 's'}`;
  const name = metricName(metric);
  // the loss as a share of none's; a score in percentage points
  const [diff, se, unit] = metric === 'loss' ? [signedPct(p.relDiff), pct(p.relStdErr), ''] : [points(p.meanDiff, true), points(p.stdErr), ' pts'];
  if (p.folds <= 1) return `${label} vs no regularization: ${diff}${unit} ${name} on the single holdout (no standard error: noise cannot be told apart)`;
  if (p.beyondNoise) {
    const by = metric === 'loss' ? `${pct(-p.relDiff)} ± ${se}` : `${points(p.meanDiff)} ± ${se} pts of ${name}`;
    return `${label} beats no regularization by ${by}, ${folds}`;
  }
  return `${label} vs no regularization: ${diff} ± ${se}${unit} ${name}, ${folds} won: within noise`;
}

/**
 * Whether regularization helped beyond noise, in words: the chosen config against none on the same folds
 * (beyond noise: a mean paired difference more than NOISE_STD_ERRS standard errors below 0), and when it did
 * not, the config that did or that none did on this data.
 */
export function versusNoneText(board: Leaderboard): string {
  const chosen = board.best;
  const metric = boardMetric(board);
  if (!board.configs.some((c) => c.reg.type === BASELINE)) return 'no paired comparison: none (no regularization) has no result on every fold';
  if (chosen.reg.type === BASELINE) {
    return `no regularization has the ${metric === 'loss' ? 'lowest loss' : `highest ${metricName(metric)}`}: no config beat it on this data`;
  }
  if (!chosen.vsNone) return 'no paired comparison for the chosen config';
  const line = pairedWords(chosen.label, chosen.vsNone, metric);
  if (chosen.vsNone.beyondNoise) return `${line} (beyond noise: more than ${NOISE_STD_ERRS} standard errors)`;
  if (chosen.vsNone.folds <= 1) return line;
  const better = higherIsBetter(metric) ? -1 : 1;
  const others = board.configs.filter((c) => c.vsNone?.beyondNoise).sort((a, b) => better * (a.vsNone!.meanDiff - b.vsNone!.meanDiff));
  return others.length > 0
    ? `${line}; ${pairedWords(others[0].label, others[0].vsNone!, metric)} (beyond noise: more than ${NOISE_STD_ERRS} standard errors)`
    : `${line}; no config beat no regularization beyond noise on this data`;
}
