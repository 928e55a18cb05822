/**
 * `regsweep report`: one self-contained HTML file that reads like a decision plus a picture. A header with the
 * chosen config and its test score, the leaderboard, and four Vega-Lite charts (validation loss against lambda
 * and dropout rate, train vs validation loss per config, the chosen config's learning curves, sparsity against
 * lambda). vega, vega-lite and vega-embed are inlined, the data is embedded as JSON: the file opens offline.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../shared/errors';
import type { SucceededTrial } from '../shared/study/records';
import type { ConfigSummary, Leaderboard } from '../shared/study/leaderboard';
import { hasDropout, hasPenalty } from '../shared/search/spec';
import { fmt } from './format';
import { loadSweep, parseSweepUri, type SweepData } from './sweep-files';

// ---------------------------------------------------------------------------------------------- escaping

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML element content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON for a `<script type="application/json">` element: `<` is written as `\u003c`, so no `</script>` or
 * `<!--` can end or confuse the element; U+2028/2029 escaped too. JSON.parse reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

// ---------------------------------------------------------------------------------------------- formatting

const num = (v: number | null | undefined, digits = 4) => fmt(v, digits);
const pct = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '-' : `${(v * 100).toFixed(1)}%`);
const signed = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '-' : `${v > 0 ? '+' : ''}${fmt(v)}`);
function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** Name of the loss for axis titles and table heads. */
const lossName = (task: Leaderboard['task']) => (task === 'classification' ? 'cross-entropy' : 'MSE');
/** The score beside the loss: R² for regression, accuracy for classification. */
const scoreName = (task: Leaderboard['task']) => (task === 'classification' ? 'accuracy' : 'R²');
function score(task: Leaderboard['task'], m: { r2?: number | null; accuracy?: number | null } | undefined): string {
  if (!m) return '-';
  return task === 'classification' ? pct(m.accuracy) : num(m.r2, 3);
}
const summaryScore = (task: Leaderboard['task'], c: ConfigSummary) => (task === 'classification' ? c.meanAccuracy : c.meanR2);

// ---------------------------------------------------------------------------------------------- chart data

/** One leaderboard config as a chart row. */
export interface ConfigRow {
  rank: number;
  configId: string;
  label: string;
  type: string;
  /** Configs that differ only in lambda: `l2`, `l2+dropout p=0.3`, `elasticnet l1Ratio=0.5`. */
  family: string;
  lambda: number;
  /** lambda nudged apart per family on the log axis, so coinciding points and error bars stay visible. */
  lambdaPlot: number;
  dropoutRate: number;
  mean: number;
  se: number;
  lo: number;
  hi: number;
  train: number;
  gap: number;
  score: number | null;
  sparsity: number;
  bestEpoch: number;
  durationMs: number;
  chosen: boolean;
}

function familyOf(c: ConfigSummary): string {
  const parts: string[] = [c.reg.type];
  if (c.reg.type.startsWith('elasticnet')) parts.push(`l1Ratio=${c.reg.l1Ratio}`);
  if (hasDropout(c.reg.type) && hasPenalty(c.reg.type)) parts.push(`p=${c.reg.dropoutRate}`);
  return parts.join(' ');
}

/** Spread of the per-family nudge on the log lambda axis, in decades between neighbouring families. */
const DODGE_DECADES = 0.05;

function configRows(board: Leaderboard): ConfigRow[] {
  const families = [...new Set(board.configs.filter((c) => hasPenalty(c.reg.type)).map(familyOf))].sort();
  const dodge = (c: ConfigSummary) => {
    const i = families.indexOf(familyOf(c));
    return i < 0 ? c.reg.lambda : c.reg.lambda * 10 ** ((i - (families.length - 1) / 2) * DODGE_DECADES);
  };
  return board.configs.map((c) => ({
    rank: c.rank,
    configId: c.configId,
    label: c.label,
    type: c.reg.type,
    family: familyOf(c),
    lambda: c.reg.lambda,
    lambdaPlot: dodge(c),
    dropoutRate: c.reg.dropoutRate,
    mean: c.meanValLoss,
    se: c.stdErr,
    lo: c.meanValLoss - c.stdErr,
    hi: c.meanValLoss + c.stdErr,
    train: c.meanTrainLoss,
    gap: c.meanGap,
    score: summaryScore(board.task, c) ?? null,
    sparsity: c.meanSparsity,
    bestEpoch: c.meanBestEpoch,
    durationMs: c.meanDurationMs,
    chosen: c.configId === board.best.configId,
  }));
}

/** Per-epoch losses of the chosen config's folds, in long form. */
function curveRows(data: SweepData): { fold: string; epoch: number; split: string; loss: number }[] {
  const chosen = data.leaderboard.best.configId;
  const rows: { fold: string; epoch: number; split: string; loss: number }[] = [];
  for (const t of [...data.trials].filter((r) => r.configId === chosen).sort((a, b) => a.fold - b.fold)) {
    const push = (split: string, xs: (number | null)[]) =>
      xs.forEach((loss, i) => {
        if (typeof loss === 'number' && Number.isFinite(loss)) rows.push({ fold: `fold ${t.fold}`, epoch: i + 1, split, loss });
      });
    push('train', t.curves.trainLoss);
    push('validation', t.curves.valLoss);
  }
  return rows;
}

/** Each of the chosen config's folds at its best epoch (what early stopping kept). */
function bestEpochRows(data: SweepData): { fold: string; epoch: number; loss: number }[] {
  const chosen = data.leaderboard.best.configId;
  return data.trials
    .filter((t: SucceededTrial) => t.configId === chosen)
    .map((t) => ({ fold: `fold ${t.fold}`, epoch: t.bestEpoch, loss: t.curves.valLoss[t.bestEpoch - 1] ?? NaN }))
    .filter((r) => Number.isFinite(r.loss));
}

// ---------------------------------------------------------------------------------------------- chart specs

type Spec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const SPLIT_COLORS = { domain: ['train', 'validation'], range: ['#7f8c8d', '#1f77b4'] };
const CHOSEN_STROKE = '#d62728';
/** Fixed hues for the base types (red is kept for the chosen config); other families take the rest in turn. */
const TYPE_COLORS: Record<string, string> = { l1: '#ff7f0e', l2: '#1f77b4', elasticnet: '#2ca02c', dropout: '#9467bd', none: '#455a64' };
const MORE_COLORS = ['#17becf', '#8c564b', '#e377c2', '#bcbd22', '#7f7f7f', '#aec7e8', '#ffbb78', '#98df8a', '#c5b0d5', '#c49c94'];

/** One color per family, the same in every chart. */
function familyColors(rows: ConfigRow[]): { domain: string[]; range: string[] } {
  const domain = [...new Set(rows.map((r) => r.family))].sort();
  const used = new Set<string>();
  let next = 0;
  const range = domain.map((f) => {
    const fixed = TYPE_COLORS[f];
    if (fixed && !used.has(fixed)) {
      used.add(fixed);
      return fixed;
    }
    return MORE_COLORS[next++ % MORE_COLORS.length];
  });
  return { domain, range };
}

const baseConfig = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, gridColor: '#eceff1' },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 260 },
  title: { fontSize: 13, fontWeight: 600, anchor: 'start', offset: 10 },
  view: { stroke: '#cfd8dc' },
};

/** A log lambda axis with a tick at each lambda tried (labels that would collide are dropped). */
function lambdaAxis(lambdas: number[]): Spec {
  const values = [...new Set(lambdas)].sort((a, b) => a - b);
  return { values, format: '~g', labelOverlap: 'greedy', labelFlush: false };
}

/** A log scale needs positive values; widen a one-point domain so the axis has ticks. */
function logDomain(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? [lo / 3, hi * 3] : [lo / 2, hi * 2];
}

/** A domain around the plotted values with a margin, never clipped. */
function paddedDomain(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.08;
  return [lo - pad, hi + pad];
}

/** Losses that span more than this factor (all positive) are drawn on a log scale, so the close ones stay apart. */
const LOG_LOSS_RATIO = 4;

/** The scale of a loss axis: linear around the values, or log when they span a wide positive range. */
function lossScale(values: number[]): { log: boolean; scale: Spec } {
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  if (lo > 0 && hi / lo > LOG_LOSS_RATIO) return { log: true, scale: { type: 'log', domain: [lo / 1.15, hi * 1.15], nice: false } };
  return { log: false, scale: { zero: false, domain: paddedDomain(finite) } };
}

const tooltip = (lossTitle: string, scoreTitle: string) => [
  { field: 'label', title: 'config' },
  { field: 'lambda', title: 'λ', format: '~g' },
  { field: 'dropoutRate', title: 'dropout p', format: '~g' },
  { field: 'rank', title: 'rank' },
  { field: 'mean', title: `mean val ${lossTitle}`, format: '.4~g' },
  { field: 'se', title: 'std err', format: '.3~g' },
  { field: 'train', title: `train ${lossTitle}`, format: '.4~g' },
  { field: 'score', title: scoreTitle, format: '.3~g' },
  { field: 'sparsity', title: 'sparsity', format: '.1%' },
];

/** (a) Validation loss against lambda per penalty family (log x), and against dropout rate; `none` as a rule. */
function lossVsStrengthSpec(rows: ConfigRow[], task: Leaderboard['task']): Spec | undefined {
  const lossTitle = lossName(task);
  const lambdaRows = rows.filter((r) => hasPenalty(r.type as ConfigSummary['reg']['type']) && r.lambda > 0);
  const dropoutRows = rows.filter((r) => r.type === 'dropout');
  const none = rows.filter((r) => r.type === 'none' || (hasPenalty(r.type as ConfigSummary['reg']['type']) && r.lambda === 0 && !hasDropout(r.type as ConfigSummary['reg']['type'])));
  if (lambdaRows.length === 0 && dropoutRows.length === 0) return undefined;
  const plotted = [...lambdaRows, ...dropoutRows, ...none];
  const yScale = lossScale(plotted.flatMap((r) => [r.lo, r.hi, r.mean]));
  const y = { field: 'mean', type: 'quantitative', title: `mean validation loss (${lossTitle})${yScale.log ? ', log scale' : ''}`, scale: yScale.scale, axis: { labelOverlap: 'greedy', format: ',~r' } };
  const tip = tooltip(lossTitle, scoreName(task));
  const color = { field: 'family', type: 'nominal', title: 'regularization', scale: familyColors([...lambdaRows, ...dropoutRows]) };
  const baseline = (x: 'lambda' | 'dropoutRate') =>
    none.length === 0
      ? []
      : [
          {
            data: { name: 'none' },
            mark: { type: 'rule', strokeDash: [6, 4], color: '#455a64' },
            encoding: { y: { field: 'mean', type: 'quantitative' }, tooltip: tip },
          },
          {
            data: { name: 'none' },
            mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -3, color: '#455a64', fontSize: 11 },
            encoding: { x: { value: 0 }, y: { field: 'mean', type: 'quantitative' }, text: { field: 'label' } },
          },
          // no dropout is dropout at p = 0: the unregularized model as the first point of the dropout panel
          ...(x === 'dropoutRate'
            ? [
                {
                  data: { name: 'none' },
                  transform: [{ filter: "datum.type === 'none'" }],
                  mark: { type: 'rule', color: '#455a64', strokeWidth: 1.5 },
                  encoding: { x: { field: 'dropoutRate', type: 'quantitative' }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
                },
                {
                  data: { name: 'none' },
                  transform: [{ filter: "datum.type === 'none'" }],
                  mark: { type: 'point', shape: 'diamond', filled: true, size: 70, color: '#455a64' },
                  encoding: { x: { field: 'dropoutRate', type: 'quantitative' }, y: { field: 'mean', type: 'quantitative' }, tooltip: tip },
                },
                {
                  data: { name: 'none' },
                  transform: [{ filter: 'datum.chosen' }],
                  mark: { type: 'point', filled: false, size: 320, strokeWidth: 2.5, color: CHOSEN_STROKE },
                  encoding: { x: { field: 'dropoutRate', type: 'quantitative' }, y: { field: 'mean', type: 'quantitative' } },
                },
              ]
            : []),
        ];
  /** Points with mean ± se error bars, a line through them, and a ring on the chosen config. */
  const series = (dataName: string, x: Spec, color: Spec) => [
    { data: { name: dataName }, mark: { type: 'line', strokeWidth: 1.5, opacity: 0.8 }, encoding: { x, y, color, detail: { field: 'family' } } },
    { data: { name: dataName }, mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color } },
    { data: { name: dataName }, mark: { type: 'point', filled: true, size: 60 }, encoding: { x, y, color, tooltip: tip } },
    {
      data: { name: dataName },
      transform: [{ filter: 'datum.chosen' }],
      mark: { type: 'point', filled: false, size: 320, strokeWidth: 2.5, color: CHOSEN_STROKE },
      encoding: { x, y },
    },
    {
      data: { name: dataName },
      transform: [{ filter: 'datum.chosen' }],
      mark: { type: 'text', dy: 20, fontWeight: 'bold', color: CHOSEN_STROKE, fontSize: 11 },
      encoding: { x, y, text: { value: 'chosen' } },
    },
  ];
  const panels: Spec[] = [];
  if (lambdaRows.length > 0) {
    const x = { field: 'lambdaPlot', type: 'quantitative', title: 'λ (log scale)', scale: { type: 'log', domain: logDomain(lambdaRows.map((r) => r.lambda)) }, axis: lambdaAxis(lambdaRows.map((r) => r.lambda)) };
    panels.push({
      title: 'validation loss vs λ (mean ± std err over folds)',
      width: 440,
      height: 300,
      layer: [...baseline('lambda'), ...series('lambda', x, color)],
    });
  }
  if (dropoutRows.length > 0) {
    const rates = dropoutRows.map((r) => r.dropoutRate);
    const x = { field: 'dropoutRate', type: 'quantitative', title: 'dropout rate p', scale: { domain: [-0.03, Math.min(1, Math.max(...rates) * 1.15 + 0.02)], nice: false }, axis: { format: '.2~f' } };
    panels.push({
      title: 'validation loss vs dropout rate',
      width: lambdaRows.length > 0 ? 300 : 440,
      height: 300,
      layer: [...baseline('dropoutRate'), ...series('dropout', x, color)],
    });
  }
  return {
    $schema: SCHEMA,
    datasets: { lambda: lambdaRows, dropout: dropoutRows, none },
    hconcat: panels,
    spacing: 30,
    resolve: { scale: { y: 'shared', color: 'shared' } },
    config: baseConfig,
  };
}

/** The gap chart shows at most this many configs (the best ranked, and the chosen one). */
export const GAP_CHART_MAX_CONFIGS = 40;

/** (b) Train vs validation loss per config, ranked: a dumbbell whose length is the generalization gap. */
function gapSpec(allRows: ConfigRow[], task: Leaderboard['task']): Spec {
  const rows = allRows.filter((r, i) => i < GAP_CHART_MAX_CONFIGS || r.chosen);
  const lossTitle = lossName(task);
  const chosenLabel = rows.find((r) => r.chosen)?.label ?? '';
  const y = {
    field: 'label',
    type: 'nominal',
    title: null,
    sort: { field: 'rank', order: 'ascending' },
    axis: {
      labelFontWeight: { condition: { test: `datum.value === ${JSON.stringify(chosenLabel)}`, value: 'bold' }, value: 'normal' },
      labelColor: { condition: { test: `datum.value === ${JSON.stringify(chosenLabel)}`, value: CHOSEN_STROKE }, value: '#263238' },
      labelLimit: 220,
    },
  };
  const xScale = lossScale(rows.flatMap((r) => [r.train, r.mean]));
  const x = { type: 'quantitative', title: `mean loss (${lossTitle})${xScale.log ? ', log scale' : ''}`, scale: xScale.scale, axis: { tickCount: 8, labelOverlap: 'greedy', format: ',~r' } };
  return {
    $schema: SCHEMA,
    title:
      rows.length < allRows.length
        ? `train vs validation loss, the ${rows.length} best-ranked of ${allRows.length} configs`
        : 'train vs validation loss per config (the gap is what regularization closes)',
    width: 720,
    height: { step: 24 },
    data: { values: rows },
    layer: [
      { mark: { type: 'rule', color: '#b0bec5', strokeWidth: 3 }, encoding: { y, x: { ...x, field: 'train' }, x2: { field: 'mean' } } },
      {
        transform: [{ fold: ['train', 'mean'], as: ['which', 'loss'] }, { calculate: "datum.which === 'mean' ? 'validation' : 'train'", as: 'split' }],
        mark: { type: 'point', filled: true, size: 80, opacity: 1 },
        encoding: {
          y,
          x: { ...x, field: 'loss' },
          color: { field: 'split', type: 'nominal', title: 'loss', scale: SPLIT_COLORS, legend: { orient: 'bottom' } },
          tooltip: [...tooltip(lossTitle, scoreName(task)), { field: 'gap', title: 'gap (val - train)', format: '+.4~g' }],
        },
      },
      {
        transform: [{ calculate: 'max(datum.train, datum.mean)', as: 'right' }, { calculate: "(datum.gap >= 0 ? '+' : '') + format(datum.gap, '.4~g')", as: 'gapText' }],
        mark: { type: 'text', align: 'left', dx: 8, fontSize: 10, color: '#546e7a' },
        encoding: { y, x: { ...x, field: 'right' }, text: { field: 'gapText' } },
      },
    ],
    config: baseConfig,
  };
}

/** (c) The chosen config's learning curves, one pair (train, validation) per fold, its best epochs marked. */
function curvesSpec(data: SweepData): Spec | undefined {
  const rows = curveRows(data);
  if (rows.length === 0) return undefined;
  const losses = rows.map((r) => r.loss);
  const positive = losses.every((l) => l > 0);
  const useLog = positive && Math.max(...losses) / Math.min(...losses) > 20;
  const lossTitle = lossName(data.leaderboard.task);
  const y = { field: 'loss', type: 'quantitative', title: `loss (${lossTitle})${useLog ? ', log scale' : ''}`, scale: { zero: false, ...(useLog ? { type: 'log' } : {}) } };
  const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } };
  return {
    $schema: SCHEMA,
    title: `${data.leaderboard.best.label}: loss per epoch (● = best epoch)`,
    width: 360,
    height: 260,
    datasets: { curves: rows, best: bestEpochRows(data) },
    layer: [
      {
        data: { name: 'curves' },
        mark: { type: 'line', strokeWidth: 1.8 },
        encoding: {
          x,
          y,
          color: { field: 'split', type: 'nominal', title: 'loss', scale: SPLIT_COLORS },
          strokeDash: { field: 'fold', type: 'nominal', title: 'fold' },
          tooltip: [{ field: 'fold' }, { field: 'split' }, { field: 'epoch' }, { field: 'loss', format: '.4~g' }],
        },
      },
      {
        data: { name: 'best' },
        mark: { type: 'point', filled: true, size: 70, color: SPLIT_COLORS.range[1], stroke: 'white', strokeWidth: 1 },
        encoding: { x, y, tooltip: [{ field: 'fold' }, { field: 'epoch', title: 'best epoch' }, { field: 'loss', title: 'val loss', format: '.4~g' }] },
      },
    ],
    config: baseConfig,
  };
}

/** (d) Sparsity (share of exactly-zero weights) against lambda for the L1 and elastic-net families. */
function sparsitySpec(rows: ConfigRow[]): Spec | undefined {
  const l1Rows = rows.filter((r) => (r.type.startsWith('l1') || r.type.startsWith('elasticnet')) && r.lambda > 0);
  if (l1Rows.length === 0) return undefined;
  const x = { field: 'lambda', type: 'quantitative', title: 'λ (log scale)', scale: { type: 'log', domain: logDomain(l1Rows.map((r) => r.lambda)) }, axis: lambdaAxis(l1Rows.map((r) => r.lambda)) };
  const y = { field: 'sparsity', type: 'quantitative', title: 'weights exactly zero', scale: { domain: [0, 1] }, axis: { format: '.0%' } };
  const color = { field: 'family', type: 'nominal', title: 'regularization', scale: familyColors(l1Rows) };
  return {
    $schema: SCHEMA,
    title: 'sparsity vs λ',
    width: 330,
    height: 260,
    data: { values: l1Rows },
    layer: [
      { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color } },
      { mark: { type: 'point', filled: true, size: 60 }, encoding: { x, y, color, tooltip: tooltip(lossName('regression'), 'score').filter((t) => t.field !== 'score') } },
      { transform: [{ filter: 'datum.chosen' }], mark: { type: 'point', filled: false, size: 320, strokeWidth: 2.5, color: CHOSEN_STROKE }, encoding: { x, y } },
    ],
    config: baseConfig,
  };
}

/** The chart specs of a report, by id; a chart that has nothing to show is absent (and the page says why). */
export function chartSpecs(data: SweepData): Record<'lossVsStrength' | 'gap' | 'curves' | 'sparsity', Spec | undefined> {
  const rows = configRows(data.leaderboard);
  return {
    lossVsStrength: lossVsStrengthSpec(rows, data.leaderboard.task),
    gap: gapSpec(rows, data.leaderboard.task),
    curves: curvesSpec(data),
    sparsity: sparsitySpec(rows),
  };
}

// ---------------------------------------------------------------------------------------------- HTML

function ruleText(board: Leaderboard, best: ConfigSummary): string {
  const folds = best.folds.planned;
  const cv = folds > 1 ? `over ${folds} folds` : 'on the holdout';
  if (board.rule === 'min') return `lowest mean validation loss ${cv}`;
  const top = board.configs[0];
  return `the most regularized config whose mean validation loss ${cv} is within one standard error of the lowest (${top.label}: ${num(top.meanValLoss)} + ${num(top.stdErr)})`;
}

/** The spec's dataset and model, when the spec has the expected shape. */
function specFacts(spec: unknown): string[] {
  const s = (spec ?? {}) as {
    dataset?: { source?: unknown; target?: unknown };
    model?: { hidden?: unknown; activation?: unknown };
    training?: { epochs?: unknown; optimizer?: unknown; learningRate?: unknown };
    validation?: { folds?: unknown; testFraction?: unknown };
  };
  const out: string[] = [];
  if (typeof s.dataset?.source === 'string') out.push(`dataset <code>${escapeHtml(s.dataset.source)}</code>${typeof s.dataset.target === 'string' ? `, target <code>${escapeHtml(s.dataset.target)}</code>` : ''}`);
  if (Array.isArray(s.model?.hidden)) out.push(`model: ${s.model.hidden.length === 0 ? 'linear' : `hidden [${escapeHtml(s.model.hidden.join(', '))}]`}${typeof s.model?.activation === 'string' ? ` ${escapeHtml(s.model.activation)}` : ''}`);
  if (typeof s.training?.epochs === 'number') out.push(`up to ${escapeHtml(s.training.epochs)} epochs${typeof s.training.optimizer === 'string' ? `, ${escapeHtml(s.training.optimizer)}` : ''}${typeof s.training.learningRate === 'number' ? ` lr ${escapeHtml(s.training.learningRate)}` : ''}`);
  if (typeof s.validation?.folds === 'number') out.push(s.validation.folds > 1 ? `${escapeHtml(s.validation.folds)}-fold cross-validation` : 'single holdout');
  return out;
}

/** The selected input features, the first few by name. */
function featureList(features: string[], total: number | undefined): string {
  if (features.length === 0) return 'No input feature kept a nonzero weight.';
  const shown = features.slice(0, 12).map((f) => `<code>${escapeHtml(f)}</code>`).join(' ');
  const more = features.length > 12 ? ` and ${escapeHtml(features.length - 12)} more` : '';
  const all = total !== undefined && features.length === total ? ' (all)' : '';
  return `Selected features${all}: ${shown}${more}.`;
}

function header(data: SweepData): string {
  const { leaderboard: board, best } = data;
  const chosen = board.best;
  const task = board.task;
  const t = board.trials;
  const cards: string[] = [];
  const card = (label: string, value: string, note = '') =>
    `<div class="card"><div class="card-label">${label}</div><div class="card-value">${value}</div>${note ? `<div class="card-note">${note}</div>` : ''}</div>`;
  if (best) {
    cards.push(card(`test loss (${escapeHtml(lossName(task))})`, escapeHtml(num(best.test.loss)), `${escapeHtml(best.rows.test)} held-out rows, touched once`));
    cards.push(card(`test ${escapeHtml(scoreName(task))}`, escapeHtml(score(task, best.test)), `train ${escapeHtml(score(task, best.train))}`));
  } else {
    cards.push(card('test score', '-', 'not refit: no best.json'));
  }
  cards.push(card('validation loss', escapeHtml(num(chosen.meanValLoss)), `± ${escapeHtml(num(chosen.stdErr, 3))} std err, mean of ${escapeHtml(chosen.folds.succeeded)} folds`));
  const features = best?.selectedFeatures ?? chosen.selectedFeatures;
  const featureCount = best?.standardizer?.features?.length ?? data.trials[0]?.features.length;
  cards.push(card('sparsity', escapeHtml(pct(best?.sparsity ?? chosen.meanSparsity)), `${escapeHtml(features.length)}${featureCount ? `/${escapeHtml(featureCount)}` : ''} input features selected`));
  cards.push(
    card(
      'trials',
      `${escapeHtml(t.succeeded)}<small>/${escapeHtml(t.planned)}</small>`,
      t.failed + t.missing > 0 ? `<span class="warn">${escapeHtml(t.failed)} failed, ${escapeHtml(t.missing)} missing</span>` : 'all succeeded',
    ),
  );

  const scoreRows = best
    ? `<table class="scores">
  <thead><tr><th></th><th>rows</th><th>loss (${escapeHtml(lossName(task))})</th><th>${escapeHtml(scoreName(task))}</th></tr></thead>
  <tbody>
    <tr><th>train (train + validation rows, refit for ${escapeHtml(best.epochs)} epochs)</th><td>${escapeHtml(best.rows.train)}</td><td>${escapeHtml(num(best.train.loss))}</td><td>${escapeHtml(score(task, best.train))}</td></tr>
    <tr class="test"><th>test (held out)</th><td>${escapeHtml(best.rows.test)}</td><td>${escapeHtml(num(best.test.loss))}</td><td>${escapeHtml(score(task, best.test))}</td></tr>
  </tbody>
</table>`
    : '<p class="note">No best.json: the chosen config was not refit, so there is no test score yet (run refit).</p>';

  const facts = [
    ...specFacts(data.spec),
    ...(board.backend ? [`backend ${escapeHtml(board.backend)}`] : []),
    `aggregated ${escapeHtml(board.createdAt)}`,
  ];
  return `<header>
  <p class="eyebrow">regsweep report · sweep <code id="sweep-id">${escapeHtml(board.sweepId)}</code> · ${escapeHtml(task)}</p>
  <h1>Use <span class="chosen-label" id="chosen-label">${escapeHtml(chosen.label)}</span></h1>
  <p class="why">Chosen by rule <b>${escapeHtml(board.rule)}</b>: ${escapeHtml(ruleText(board, chosen))}.
  ${featureList(features, featureCount)}</p>
  <div class="cards">${cards.join('')}</div>
  ${scoreRows}
  <p class="facts">${facts.join(' · ')}</p>
</header>`;
}

function leaderboardTable(board: Leaderboard): string {
  const task = board.task;
  const rows = board.configs
    .map((c) => {
      const chosen = c.configId === board.best.configId;
      const badge = chosen ? ' <span class="badge">chosen</span>' : c.rank === 1 && board.rule !== 'min' ? ' <span class="badge muted">lowest mean</span>' : '';
      const s = summaryScore(task, c);
      return `<tr${chosen ? ' class="chosen"' : ''} data-config-id="${escapeHtml(c.configId)}">
  <td class="num">${escapeHtml(c.rank)}</td><td>${escapeHtml(c.label)}${badge}</td>
  <td class="num">${escapeHtml(num(c.meanValLoss))} <span class="se">± ${escapeHtml(num(c.stdErr, 3))}</span></td>
  <td class="num">${escapeHtml(num(c.meanTrainLoss))}</td><td class="num">${escapeHtml(signed(c.meanGap))}</td>
  <td class="num">${escapeHtml(task === 'classification' ? pct(s) : num(s, 3))}</td><td class="num">${escapeHtml(pct(c.meanSparsity))}</td>
  <td class="num">${escapeHtml(num(c.meanBestEpoch, 3))}</td><td class="num">${escapeHtml(duration(c.meanDurationMs))}</td>
</tr>`;
    })
    .join('\n');
  const t = board.trials;
  const labelOf = new Map([...board.configs.map((c) => [c.configId, c.label] as const), ...board.incomplete.map((c) => [c.configId, c.label] as const)]);
  const incomplete =
    board.incomplete.length === 0
      ? ''
      : `<h3>Incomplete configs (not ranked)</h3>
<table class="small"><thead><tr><th>config</th><th>folds succeeded</th></tr></thead><tbody>
${board.incomplete.map((c) => `<tr><td>${escapeHtml(c.label)}</td><td class="num">${escapeHtml(c.succeeded)}/${escapeHtml(c.planned)}</td></tr>`).join('\n')}
</tbody></table>`;
  const failed =
    board.failedTrials.length === 0
      ? ''
      : `<h3>Failed trials</h3>
<table class="small"><thead><tr><th>trial</th><th>config</th><th>fold</th><th>error</th></tr></thead><tbody>
${board.failedTrials
  .map(
    (f) =>
      `<tr><td><code>${escapeHtml(f.trialId)}</code></td><td>${escapeHtml(labelOf.get(f.configId) ?? f.configId)}</td><td class="num">${escapeHtml(f.fold)}</td><td>${escapeHtml(f.error.name)}: ${escapeHtml(f.error.message)}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`;
  const errorOf = new Map((board.missingErrors ?? []).map((m) => [m.trialId, m.error]));
  const withError = (id: string) => {
    const e = errorOf.get(id);
    return `<code>${escapeHtml(id)}</code>${e ? ` (${escapeHtml(e.name)}: ${escapeHtml(e.message)})` : ''}`;
  };
  const shown = board.missingTrialIds.slice(0, 20);
  const missing =
    board.missingTrialIds.length === 0
      ? ''
      : `<p class="note">Missing trials (no valid record: timed out, out of memory, or corrupt): ${shown.map(withError).join(' ')}${board.missingTrialIds.length > shown.length ? ` and ${escapeHtml(board.missingTrialIds.length - shown.length)} more` : ''}</p>`;
  return `<section id="leaderboard">
<h2>Leaderboard</h2>
<p class="caption">Configs with every fold succeeded, ranked by mean validation loss. Trials: ${escapeHtml(t.planned)} planned, ${escapeHtml(t.succeeded)} succeeded, <span class="${t.failed > 0 ? 'warn' : ''}">${escapeHtml(t.failed)} failed</span>, <span class="${t.missing > 0 ? 'warn' : ''}">${escapeHtml(t.missing)} missing</span>.</p>
<table class="board">
<thead><tr><th>rank</th><th>config</th><th>val loss (mean ± se)</th><th>train loss</th><th>gap</th><th>${escapeHtml(scoreName(task))}</th><th>sparsity</th><th>best epoch</th><th>duration</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${incomplete}
${failed}
${missing}
</section>`;
}

const CHARTS: { id: keyof ReturnType<typeof chartSpecs>; title: string; caption: string; empty: string }[] = [
  {
    id: 'lossVsStrength',
    title: 'Validation loss against regularization strength',
    caption: 'Mean validation loss over folds with ± one standard error; the dashed line is the unregularized model (none). Lower is better; the ring marks the chosen config.',
    empty: 'No config has a lambda or a dropout rate to plot against.',
  },
  {
    id: 'gap',
    title: 'Generalization gap',
    caption: 'Train (grey) and validation (blue) loss for each config, in rank order; the number is validation minus train loss.',
    empty: '',
  },
  {
    id: 'curves',
    title: 'Learning curves of the chosen config',
    caption: 'Train and validation loss per epoch on each fold; the dot is the epoch early stopping kept.',
    empty: 'No trial record of the chosen config was found, so there are no curves to draw.',
  },
  {
    id: 'sparsity',
    title: 'Sparsity',
    caption: 'Share of weights exactly zero for the L1 and elastic-net configs (the proximal step makes true zeros).',
    empty: 'No L1 or elastic-net config in this sweep: no sparsity to show.',
  },
];

let bundles: string | undefined;
/** The vega, vega-lite and vega-embed browser bundles as inline script elements (read once). */
function inlineBundles(): string {
  if (bundles === undefined) {
    const file = (pkg: string, name: string) => path.join(path.dirname(require.resolve(pkg)), name);
    bundles = [file('vega', 'vega.min.js'), file('vega-lite', 'vega-lite.min.js'), file('vega-embed', 'vega-embed.min.js')]
      .map((f) => `<script>${fs.readFileSync(f, 'utf8').replace(/<\/(script)/gi, '<\\/$1')}</script>`)
      .join('\n');
  }
  return bundles;
}

/** Runs in the page: embed each spec as SVG; a failure is shown in place of its chart. */
const EMBED_SCRIPT = `
(function () {
  var specs = JSON.parse(document.getElementById('regsweep-specs').textContent);
  var pending = [];
  Object.keys(specs).forEach(function (id) {
    var el = document.getElementById('chart-' + id);
    if (!el || !specs[id]) return;
    pending.push(vegaEmbed(el, specs[id], { renderer: 'svg', actions: false }).catch(function (e) {
      el.innerHTML = '';
      var p = document.createElement('p');
      p.className = 'chart-error';
      p.textContent = 'chart failed: ' + (e && e.message ? e.message : String(e));
      el.appendChild(p);
    }));
  });
  Promise.all(pending).then(function () { document.body.setAttribute('data-charts', 'done'); });
})();
`;

const STYLE = `
:root { --ink: #263238; --muted: #607d8b; --line: #e0e6ea; --accent: #d62728; --bg: #fafbfc; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; }
header { background: white; border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px; }
.eyebrow { margin: 0; color: var(--muted); font-size: 13px; }
h1 { margin: 6px 0 4px; font-size: 28px; font-weight: 650; }
.chosen-label { color: var(--accent); }
.why { margin: 4px 0 14px; color: #37474f; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 14px; }
.card { flex: 1 1 160px; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: #fdfdfe; }
.card-label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.card-value { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card-value small { font-size: 14px; color: var(--muted); font-weight: 500; }
.card-note { font-size: 12px; color: var(--muted); }
.facts { margin: 10px 0 0; font-size: 12px; color: var(--muted); }
h2 { font-size: 18px; margin: 28px 0 4px; }
h3 { font-size: 14px; margin: 16px 0 4px; }
.caption { margin: 0 0 10px; color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; background: white; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
thead th { font-size: 12px; color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line); }
td.num, .scores td { text-align: right; font-variant-numeric: tabular-nums; }
table.board { width: 100%; border: 1px solid var(--line); }
table.board tr.chosen td { background: #fdecea; font-weight: 600; }
table.board tr.chosen td:first-child { box-shadow: inset 4px 0 0 var(--accent); }
.scores { margin-top: 4px; }
.scores tbody th { font-weight: 500; }
.scores tr.test td { font-weight: 650; }
.se { color: var(--muted); font-weight: 400; }
.badge { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 8px; font-size: 11px; background: var(--accent); color: white; font-weight: 600; }
.badge.muted { background: #90a4ae; }
.warn { color: #c62828; font-weight: 600; }
.note { color: var(--muted); font-style: italic; }
table.small td, table.small th { font-size: 12px; white-space: normal; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 0 20px; }
.pair > section { min-width: 0; }
.chart { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 12px; overflow-x: auto; }
.chart-error { color: #c62828; font-weight: 600; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #eef2f4; padding: 1px 4px; border-radius: 4px; }
`;

/**
 * What the page embeds as `regsweep-data`: the leaderboard, best record and spec whole, and the trial records
 * with per-epoch curves kept only for the chosen config (a large sweep's curves would dwarf the report).
 */
export function embeddedData(data: SweepData): SweepData {
  const chosen = data.leaderboard.best.configId;
  const trials = data.trials.map((t) => (t.configId === chosen ? t : { ...t, curves: { trainLoss: [], valLoss: [] } }));
  return { ...data, trials };
}

/** The report as one self-contained HTML document. */
export function renderReport(data: SweepData): string {
  const specs = chartSpecs(data);
  const sections = CHARTS.map((c) => {
    const body = specs[c.id]
      ? `<div class="chart"><div id="chart-${c.id}" data-chart="${c.id}"></div></div>`
      : `<p class="note" id="chart-${c.id}-empty">${escapeHtml(c.empty)}</p>`;
    return `<section class="figure" id="figure-${c.id}">
<h2>${escapeHtml(c.title)}</h2>
<p class="caption">${escapeHtml(c.caption)}</p>
${body}
</section>`;
  });
  // the two smaller charts side by side
  const figures = `${sections[0]}\n${sections[1]}\n<div class="pair">\n${sections[2]}\n${sections[3]}\n</div>`;
  const embedded: Record<string, Spec> = {};
  for (const c of CHARTS) if (specs[c.id]) embedded[c.id] = specs[c.id]!;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>regsweep report: ${escapeHtml(data.leaderboard.sweepId)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${header(data)}
${leaderboardTable(data.leaderboard)}
${figures}
</main>
<script type="application/json" id="regsweep-data">${jsonForScript(embeddedData(data))}</script>
<script type="application/json" id="regsweep-specs">${jsonForScript(embedded)}</script>
${inlineBundles()}
<script>${EMBED_SCRIPT}</script>
</body>
</html>
`;
}

/** Render and write the report (parent directories created). */
export function writeReport(data: SweepData, file: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, renderReport(data), 'utf8');
}

// ---------------------------------------------------------------------------------------------- command

interface ReportFlags {
  out?: string;
  s3Endpoint?: string;
}

/** Where the report goes when --out is not given: beside the files, or ./report-<sweepId>.html for S3. */
export function defaultReportPath(source: string): string {
  if (source.startsWith('s3://')) return `report-${parseSweepUri(source).sweepId}.html`;
  return path.join(source, 'report.html');
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report (leaderboard, chosen config, charts) for a finished sweep')
    .argument('<sweep>', 'a sweep directory (from regsweep local --out) or s3://<bucket>/sweeps/<sweepId>/')
    .option('--out <file>', 'HTML file to write (default: <dir>/report.html, or ./report-<sweepId>.html for S3)')
    .option('--s3-endpoint <url>', 'S3 endpoint URL, e.g. http://127.0.0.1:4568 for the local server')
    .action(async (source: string, flags: ReportFlags) => {
      if (flags.s3Endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(flags.s3Endpoint)) {
        throw new UsageError(`--s3-endpoint must be an http(s) URL, got ${JSON.stringify(flags.s3Endpoint)}`);
      }
      if (flags.s3Endpoint !== undefined && !source.startsWith('s3://')) {
        throw new UsageError(`--s3-endpoint applies to an s3:// source, got the directory ${source}`);
      }
      const out = flags.out ?? defaultReportPath(source);
      const data = await loadSweep(source, { s3Endpoint: flags.s3Endpoint });
      writeReport(data, out);
      process.stdout.write(`${out}\n`);
    });
}
