/**
 * How numbers, scores and the selection rule read, in the terminal and in the HTML report alike: one copy of
 * each helper, so the two never disagree. Missing values print as '-'.
 */
import { hasDropout, hasPenalty } from '../shared/search/spec';
import { NOISE_STD_ERRS, type Leaderboard, type Paired } from '../shared/study/leaderboard';
import { pathValueName } from '../shared/study/selection';

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

/** A config's path: `l2+dropout p=0.3, λ varying`; `dropout, p varying`. */
export function pathText(reg: Leaderboard['best']['reg']): string {
  if (reg.type === 'none') return 'none';
  const fixed: string[] = [reg.type];
  if (reg.type.startsWith('elasticnet')) fixed.push(`l1Ratio=${reg.l1Ratio}`);
  if (hasPenalty(reg.type) && hasDropout(reg.type)) fixed.push(`p=${reg.dropoutRate}`);
  return `${fixed.join(' ')}, ${pathValueName(reg)} varying`;
}

/**
 * Why the leaderboard's rule chose its best config, as shared/study/selection.ts applies it: `min` takes the
 * lowest mean validation loss; `one-standard-error` the most regularized config on the path of the lowest (its
 * type, dropout rate and l1Ratio, lambda varying; the rate for dropout) whose mean is within one standard error
 * of the lowest. With one fold there is no standard error, and the rule is `min`.
 */
export function ruleText(board: Leaderboard): string {
  const chosen = board.best;
  const folds = chosen.folds.planned;
  const cv = folds > 1 ? `over ${folds} folds` : 'on the holdout';
  if (board.rule === 'min') return `the lowest mean validation loss ${cv}`;
  if (folds <= 1) return `the lowest mean validation loss ${cv} (a single holdout has no standard error: the rule is min)`;
  const lowest = board.configs[0];
  if (lowest.configId === chosen.configId) {
    return `it has the lowest mean validation loss ${cv}, and no more regularized config on its path (${pathText(chosen.reg)}) is within one standard error of it`;
  }
  return (
    `the most regularized config on the path of the lowest (${pathText(lowest.reg)}) whose mean validation loss ${cv} is ` +
    `within one standard error of the lowest (${lowest.label}: ${fmt(lowest.meanValLoss)} + ${fmt(lowest.stdErr, 3)})`
  );
}

/** A share of none's loss with its sign: -0.123 -> -12.3%. */
const signedPct = (v: number) => `${v > 0 ? '+' : ''}${pct(v)}`;

/** A paired difference from none for a table cell: `-12.3% ± 4.1% (5/5)`: the change in loss, its standard error, folds won. */
export const pairedCell = (p: Paired | undefined): string => (p ? `${signedPct(p.relDiff)} ± ${pct(p.relStdErr)} (${p.foldsWon}/${p.folds})` : '-');

/** How a config compares with none in words: `beats no regularization by 12.3% ± 4.1%, 5 of 5 folds`. */
function pairedWords(label: string, p: Paired): string {
  const folds = `${p.foldsWon} of ${p.folds} fold${p.folds === 1 ? '' : 's'}`;
  if (p.folds <= 1) return `${label} vs no regularization: ${signedPct(p.relDiff)} loss on the single holdout (no standard error: noise cannot be told apart)`;
  if (p.beyondNoise) return `${label} beats no regularization by ${pct(-p.relDiff)} ± ${pct(p.relStdErr)}, ${folds}`;
  return `${label} vs no regularization: ${signedPct(p.relDiff)} ± ${pct(p.relStdErr)} loss, ${folds} won: within noise`;
}

/**
 * Whether regularization helped beyond noise, in words: the chosen config against none on the same folds
 * (beyond noise: a mean paired difference more than NOISE_STD_ERRS standard errors below 0), and when it did
 * not, the config that did or that none did on this data.
 */
export function versusNoneText(board: Leaderboard): string {
  const chosen = board.best;
  if (!board.configs.some((c) => c.reg.type === 'none')) return 'no paired comparison: none (no regularization) has no result on every fold';
  if (chosen.reg.type === 'none') return 'no regularization has the lowest loss: no config beat it on this data';
  if (!chosen.vsNone) return 'no paired comparison for the chosen config';
  const line = pairedWords(chosen.label, chosen.vsNone);
  if (chosen.vsNone.beyondNoise) return `${line} (beyond noise: more than ${NOISE_STD_ERRS} standard errors)`;
  if (chosen.vsNone.folds <= 1) return line;
  const others = board.configs.filter((c) => c.vsNone?.beyondNoise).sort((a, b) => a.vsNone!.meanDiff - b.vsNone!.meanDiff);
  return others.length > 0
    ? `${line}; ${pairedWords(others[0].label, others[0].vsNone!)} (beyond noise: more than ${NOISE_STD_ERRS} standard errors)`
    : `${line}; no config beat no regularization beyond noise on this data`;
}
