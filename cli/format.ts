/**
 * How numbers, scores and the selection rule read, in the terminal and in the HTML report alike: one copy of
 * each helper, so the two never disagree. Missing values print as '-'.
 */
import type { Leaderboard } from '../shared/study/leaderboard';

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

/** The score beside the loss: R² for regression, accuracy for classification. */
export const scoreName = (task: Task): string => (task === 'classification' ? 'accuracy' : 'R²');

/** The task's score of a set of metrics: accuracy as a percentage, R² to 3 digits. */
export function scoreText(task: Task, m: { r2?: Maybe; accuracy?: Maybe } | undefined): string {
  if (!m) return '-';
  return task === 'classification' ? pct(m.accuracy) : fmt(m.r2, 3);
}

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

/**
 * Why the leaderboard's rule chose its best config, as shared/study/selection.ts applies it: `min` takes the
 * lowest mean validation loss; `one-standard-error` the most regularized config (largest lambda, then largest
 * dropout rate) whose mean is within one standard error of the lowest. With one fold there is no standard
 * error, and the rule is `min`.
 */
export function ruleText(board: Leaderboard): string {
  const chosen = board.best;
  const folds = chosen.folds.planned;
  const cv = folds > 1 ? `over ${folds} folds` : 'on the holdout';
  if (board.rule === 'min') return `the lowest mean validation loss ${cv}`;
  if (folds <= 1) return `the lowest mean validation loss ${cv} (a single holdout has no standard error: the rule is min)`;
  const lowest = board.configs[0];
  if (lowest.configId === chosen.configId) {
    return `it has the lowest mean validation loss ${cv}, and no more regularized config is within one standard error of it`;
  }
  return (
    `the most regularized config whose mean validation loss ${cv} is within one standard error ` +
    `of the lowest (${lowest.label}: ${fmt(lowest.meanValLoss)} + ${fmt(lowest.stdErr, 3)})`
  );
}
