/**
 * Diagnostics: warnings about a sweep that make its answer mean less than it seems, each a stable code and a
 * sentence that says what to change. The epoch warnings look only at trials trained by SGD (adam / sgd): an exact
 * linear solver has no epochs.
 */
import type { RegConfig } from '../search/grid';
import type { ConfigSummary, Diagnostic } from './leaderboard-schema';
import type { SucceededTrial } from './records';
import type { SelectionMetric } from '../vocabulary';
import { LINEAR_SOLVERS, pathOf, samePath } from '../regularizers';
import { hasStdErr, metricStats, withinOneStdErr } from './selection';

export { DiagnosticSchema, type Diagnostic } from './leaderboard-schema';

/** A best epoch at or under this share of training.epochs counts as stopping early. */
export const EARLY_SHARE = 0.1;
/** A trial at the epoch cap whose lowest validation loss is in this last share of its epochs was still improving. */
export const LATE_SHARE = 0.1;

/** Trained by SGD: the record names adam or sgd (records from before the exact solvers have no solver and were all SGD). */
export const trainedBySgd = (r: SucceededTrial) => r.solver === undefined || !(LINEAR_SOLVERS as readonly string[]).includes(r.solver);

/** The epoch (1-based) of the lowest validation loss, from the curve; the record's best epoch without one. */
function lowestValEpoch(r: SucceededTrial): number {
  let at = -1;
  r.curves.valLoss.forEach((v, i) => {
    if (v !== null && Number.isFinite(v) && (at < 0 || v < (r.curves.valLoss[at] as number))) at = i;
  });
  return at < 0 ? r.bestEpoch : at + 1;
}

const share = (k: number, n: number) => `${k} of ${n}`;

/** What the diagnostics look at: the ranked configs (rank 1 first), the chosen one, every planned config and the trials that succeeded. */
export interface DiagnosticsInput {
  readonly ranked: readonly ConfigSummary[];
  readonly chosen: ConfigSummary;
  readonly planned: readonly RegConfig[];
  readonly trials: readonly SucceededTrial[];
  /** training.epochs: the cap of an SGD trial. */
  readonly epochs: number;
  /** The metric that ranked the configs. @default 'loss' */
  readonly metric?: SelectionMetric;
}

export function diagnose({ ranked, chosen, planned, trials, epochs, metric = 'loss' }: DiagnosticsInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sgd = trials.filter(trainedBySgd);
  const early = sgd.filter((r) => r.bestEpoch <= EARLY_SHARE * epochs).length;
  if (sgd.length > 0 && early > sgd.length / 2) {
    out.push({
      code: 'early-stopping',
      message:
        `${share(early, sgd.length)} SGD trials had their best epoch in the first ${EARLY_SHARE * 100}% of training.epochs (${epochs}): ` +
        'early stopping, not the penalty, is doing the regularizing; to compare penalties, lower training.learningRate or set training.patience to 0',
    });
  }
  const capped = sgd.filter((r) => r.epochsRun >= epochs && lowestValEpoch(r) > (1 - LATE_SHARE) * epochs).length;
  if (capped > 0) {
    out.push({
      code: 'epoch-cap',
      message: `${share(capped, sgd.length)} SGD trials were still improving at the epoch cap (training.epochs = ${epochs}): under-trained; raise training.epochs or training.learningRate`,
    });
  }
  const path = planned.filter((r) => samePath(r, chosen.reg)).map((r) => pathOf(r).value);
  const { value, axis } = pathOf(chosen.reg);
  const top = value === Math.max(...path);
  // the bottom edge only when it can be extended: below 0 there is nothing
  if (axis && new Set(path).size > 1 && (top || (value === Math.min(...path) && value > 0))) {
    out.push({
      code: 'edge-of-grid',
      message: `the chosen ${chosen.label} has the ${top ? 'largest' : 'smallest'} ${axis.symbol} on its path: the best may lie beyond the grid; extend ${axis.specField} ${top ? 'above' : 'below'} ${value}`,
    });
  }
  const best = ranked[0];
  const bound = metricStats(best, metric);
  if (ranked.length > 1 && hasStdErr(best) && ranked.every((c) => withinOneStdErr(metricStats(c, metric).mean, bound, metric))) {
    const which = metric === 'loss' ? 'the lowest' : `the best by ${metric}`;
    out.push({
      code: 'all-within-noise',
      message: `all ${ranked.length} configs are within one standard error of ${which} (${best.label}): on this data they cannot be told apart`,
    });
  }
  return out;
}
