/**
 * A finished sweep for the terminal: the leaderboard as a compact table, the decision in a few lines, and the
 * stable JSON shape printed by `--json` (`regsweep local --json`, `regsweep results --json`). Pure functions of
 * the leaderboard (and the refit's best record when there is one); nothing here reads files or S3.
 */
import Table from 'cli-table3';
import type { BestRecord } from '../shared/study/best';
import type { Diagnostic } from '../shared/study/diagnostics';
import { boardMetric, type ConfigSummary, type Leaderboard, type Paired } from '../shared/study/leaderboard';
import { BASELINE, regularizerOf } from '../shared/regularizers';
import type { SelectionMetric } from '../shared/search/spec';
import {
  configScores,
  fmt,
  lossName,
  metricCell,
  metricName,
  pairedCell,
  pct,
  ruleText,
  scoreColumns,
  scoreName,
  scoresText,
  scoreText,
  signed,
  versusNoneText,
} from './format';

/** Rows the table shows unless told otherwise. */
export const DEFAULT_TABLE_ROWS = 15;
/** Configs the JSON summary lists. */
export const SUMMARY_LEADERBOARD_ROWS = 10;
/** Selected feature names listed by name before "and N more". */
const FEATURES_SHOWN = 12;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The table's columns after the config: the selection metric (mean ± se), the paired difference from none, the
 * validation loss when it did not select, train loss and gap, then the scores kept narrow: R² for regression,
 * accuracy and balanced accuracy for classification (less the one that selected, already shown).
 */
function columns(board: Leaderboard): { head: string; cell: (c: ConfigSummary) => string }[] {
  const task = board.task;
  const metric = boardMetric(board);
  const scores = scoreColumns(task).filter((s) => (s.key === 'r2' || s.key === 'accuracy' || s.key === 'balancedAccuracy') && s.key !== metric);
  return [
    {
      head: metric === 'loss' ? `val loss ± se (${lossName(task)})` : `val ${metricName(metric)} ± se`,
      cell: (c) => metricCell(board, c),
    },
    { head: 'vs none (folds won)', cell: (c) => (c.reg.type === BASELINE ? 'baseline' : pairedCell(c.vsNone, metric)) },
    ...(metric === 'loss' ? [] : [{ head: `val loss (${lossName(task)})`, cell: (c: ConfigSummary) => fmt(c.meanValLoss) }]),
    { head: 'train loss', cell: (c) => fmt(c.meanTrainLoss) },
    { head: 'gap', cell: (c) => signed(c.meanGap) },
    ...scores.map((s) => ({ head: s.short, cell: (c: ConfigSummary) => s.text(configScores(c)) })),
    { head: 'sparsity', cell: (c) => pct(c.meanSparsity) },
    { head: 'best epoch', cell: (c) => fmt(c.meanBestEpoch, 3) },
  ];
}

/**
 * The leaderboard as a compact table (the best `top` configs by the selection metric, each with its paired
 * difference from none in that metric: change ± standard error and folds won; the chosen config is always
 * shown, marked `*`), then a line for configs not shown and one for incomplete configs and the trial
 * counts.
 */
export function leaderboardTable(board: Leaderboard, opts: { top?: number } = {}): string {
  const top = Math.max(1, Math.floor(opts.top ?? DEFAULT_TABLE_ROWS));
  const cols = columns(board);
  const row = (c: ConfigSummary) => [c.configId === board.best.configId ? '*' : '', String(c.rank), c.label, ...cols.map((col) => col.cell(c))];
  const table = new Table({
    head: ['', 'rank', 'config', ...cols.map((c) => c.head)],
    colAligns: ['left', 'right', 'left', ...cols.map(() => 'right' as const)],
    style: { head: [], border: [], compact: true },
  });
  const shown = board.configs.slice(0, top);
  for (const c of shown) table.push(row(c));
  const chosenHidden = !shown.some((c) => c.configId === board.best.configId);
  if (chosenHidden) {
    table.push(['', '...', '', ...cols.map(() => '')]);
    table.push(row(board.best));
  }
  const lines = [table.toString()];
  const hidden = board.configs.length - shown.length - (chosenHidden ? 1 : 0);
  const notes: string[] = [];
  notes.push(`* chosen (rule ${board.rule}${boardMetric(board) === 'loss' ? '' : `, by ${metricName(boardMetric(board))}`})`);
  if (hidden > 0) notes.push(`${plural(hidden, 'more config')} not shown`);
  lines.push(notes.join('; '));
  const t = board.trials;
  const counts = [`trials: ${t.succeeded}/${t.planned} succeeded`, `${t.failed} failed`, `${t.missing} missing`];
  if (board.incomplete.length > 0) {
    const names = board.incomplete.slice(0, 3).map((c) => `${c.label} (${c.succeeded}/${c.planned} folds)`);
    const more = board.incomplete.length > 3 ? `, and ${board.incomplete.length - 3} more` : '';
    counts.push(`${plural(board.incomplete.length, 'incomplete config')} not ranked: ${names.join(', ')}${more}`);
  }
  lines.push(counts.join(', '));
  return lines.join('\n');
}

function featureText(features: readonly string[], total: number | undefined): string {
  const of = total !== undefined ? ` of ${total}` : '';
  if (features.length === 0) return `features:   none${of} kept a nonzero weight`;
  const shown = features.slice(0, FEATURES_SHOWN).join(', ');
  const more = features.length > FEATURES_SHOWN ? `, and ${features.length - FEATURES_SHOWN} more` : '';
  return `features:   ${features.length}${of} selected: ${shown}${more}`;
}

/**
 * The decision in a few lines: the chosen config and its rank, the rule that chose it, its validation loss,
 * whether it beat no regularization beyond noise, its test score and rows (when refit), for L1 / elastic net the
 * input features it kept, the search that ran (its strategy), then the leaderboard's notes and warnings.
 */
export function decisionLines(board: Leaderboard, best?: BestRecord): string[] {
  const chosen = board.best;
  const task = board.task;
  const metric = boardMetric(board);
  const selected =
    metric === 'loss'
      ? `mean loss ${fmt(chosen.meanValLoss)} ± ${fmt(chosen.stdErr, 3)} (std err)`
      : `mean ${metricName(metric)} ${metricCell(board, chosen)} (std err; it selected), loss ${fmt(chosen.meanValLoss)}`;
  const lines = [
    `chosen:     ${chosen.label} (rank ${chosen.rank} of ${board.configs.length})`,
    `why:        rule ${board.rule}: ${ruleText(board)}`,
    `validation: ${selected}, ${scoresText(task, configScores(chosen), metric)}, over ${plural(chosen.folds.succeeded, 'fold')}`,
    `vs none:    ${versusNoneText(board)}`,
  ];
  if (best) {
    lines.push(
      `test:       loss ${fmt(best.test.loss)}, ${scoresText(task, best.test)} on ${plural(best.rows.test, 'held-out row')} ` +
        `(refit on ${plural(best.rows.train, 'row')} for ${plural(best.epochs, 'epoch')}; train ${scoreName(task)} ${scoreText(task, best.train)})`,
    );
  } else {
    lines.push('test:       none yet: the chosen config was not refit (no best.json)');
  }
  const reg = (best?.config ?? chosen).reg;
  if (regularizerOf(reg.type).penalty.sparse) {
    lines.push(featureText(best?.selectedFeatures ?? chosen.selectedFeatures, best?.standardizer.features.length));
  }
  if (board.data?.classNames) lines.push(`classes:    ${board.data.classNames.join(', ')}`);
  if (board.search) lines.push(`search:     ${board.search.description}`);
  for (const n of board.notes ?? []) lines.push(`note:       ${n}`);
  for (const d of board.diagnostics ?? []) lines.push(`warning:    ${d.message} [${d.code}]`);
  return lines;
}

/** One leaderboard row of the JSON summary. */
export interface SummaryConfigJson {
  rank: number;
  label: string;
  regularization: string;
  lambda: number;
  dropoutRate: number;
  meanValLoss: number;
  stdErr: number;
  meanTrainLoss: number;
  meanGap: number;
}

/** What `--json` prints for a finished sweep (local or cloud). */
export interface SweepSummaryJson {
  sweepId: string;
  /** extras.backend, else the TensorFlow.js backend the trials recorded, else `unknown`. */
  backend: string;
  trials: { planned: number; succeeded: number; failed: number; missing: number };
  /** The score that ranked the configs and selected (selection.metric); absent when the validation loss did. */
  metric?: Exclude<SelectionMetric, 'loss'>;
  best: {
    configId: string;
    label: string;
    regularization: string;
    lambda: number;
    dropoutRate: number;
    l1Ratio: number;
    meanValLoss: number;
    stdErr: number;
    /** The selection metric's mean and standard error over folds, when it is not the loss. */
    score?: { mean: number; stdErr: number };
    /** Its paired difference from none on the same folds, in the selection metric; absent for none itself or without a complete none. */
    vsNone?: Paired;
  };
  /** The leaderboard's warnings (shared/study/diagnostics.ts). */
  diagnostics: Diagnostic[];
  /** The refit's one evaluation on the held-out test rows; null when the sweep was not refit. */
  test: { loss: number; r2?: number; accuracy?: number; balancedAccuracy?: number; macroF1?: number; rocAuc?: number; rows: number } | null;
  /** The best SUMMARY_LEADERBOARD_ROWS configs by mean validation loss. */
  leaderboard: SummaryConfigJson[];
  report?: string;
}

export function sweepSummary(board: Leaderboard, best: BestRecord | undefined, extras: { report?: string; backend?: string } = {}): SweepSummaryJson {
  const c = board.best;
  const t = board.trials;
  // The task's scores that the refit computed (an undefined score, NaN, is left out).
  const scores = best ? scoreColumns(board.task).flatMap(({ key }) => (Number.isFinite(best.test[key]) ? [[key, best.test[key]] as const] : [])) : [];
  const test: SweepSummaryJson['test'] = best ? { loss: best.test.loss, ...Object.fromEntries(scores), rows: best.rows.test } : null;
  return {
    sweepId: board.sweepId,
    backend: extras.backend ?? board.backend ?? best?.backend ?? 'unknown',
    trials: { planned: t.planned, succeeded: t.succeeded, failed: t.failed, missing: t.missing },
    ...(board.metric && board.metric !== 'loss' ? { metric: board.metric } : {}),
    best: {
      configId: c.configId,
      label: c.label,
      regularization: c.reg.type,
      lambda: c.reg.lambda,
      dropoutRate: c.reg.dropoutRate,
      l1Ratio: c.reg.l1Ratio,
      meanValLoss: c.meanValLoss,
      stdErr: c.stdErr,
      ...(c.score ? { score: c.score } : {}),
      ...(c.vsNone ? { vsNone: c.vsNone } : {}),
    },
    diagnostics: board.diagnostics ?? [],
    test,
    leaderboard: board.configs.slice(0, SUMMARY_LEADERBOARD_ROWS).map((r) => ({
      rank: r.rank,
      label: r.label,
      regularization: r.reg.type,
      lambda: r.reg.lambda,
      dropoutRate: r.reg.dropoutRate,
      meanValLoss: r.meanValLoss,
      stdErr: r.stdErr,
      meanTrainLoss: r.meanTrainLoss,
      meanGap: r.meanGap,
    })),
    ...(extras.report !== undefined ? { report: extras.report } : {}),
  };
}
