/**
 * The report's four Vega-Lite specs: validation loss against lambda and dropout rate (the paths, with the
 * one-standard-error band), train vs validation loss per config, the chosen config's learning curves, sparsity
 * against lambda. Every dataset is inline: the page loads nothing.
 */
import type { Leaderboard } from '../../shared/study/leaderboard';
import { BASELINE, DROPOUT_AXIS, hasDropout, onLambdaPath, pathAxisOf, regularizerOf } from '../../shared/regularizers';
import { lossName, scoreName } from '../format';
import type { SweepData } from '../sweep-files';
import { bestEpochRows, configRows, curveRows, oneSeBand, type ConfigRow, type OneSeBand } from './rows';

export type Spec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const SPLIT_COLORS = { domain: ['train', 'validation'], range: ['#7f8c8d', '#1f77b4'] };
const CHOSEN_STROKE = '#d62728';
const BAND_FILL = '#ffd54f';
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

/**
 * (a) The regularization paths: validation loss (mean ± std err) against lambda per penalty family (log x), and
 * against the dropout rate; `none` as a rule. The lowest-mean config's own path is drawn thick, and its
 * one-standard-error band (lowest mean to lowest mean + its std err) shaded: the most regularized config of that
 * path inside the band is what the one-standard-error rule picks. The chosen config is ringed.
 */
function lossVsStrengthSpec(rows: ConfigRow[], task: Leaderboard['task'], band: OneSeBand | undefined): Spec | undefined {
  const lossTitle = lossName(task);
  const lambdaRows = rows.filter((r) => onLambdaPath(r) && r.lambda > 0);
  const dropoutRows = rows.filter((r) => pathAxisOf(r.type) === DROPOUT_AXIS);
  // no regularization: none, and a penalty without dropout at lambda 0
  const none = rows.filter((r) => r.type === BASELINE || (onLambdaPath(r) && r.lambda === 0 && !hasDropout(r.type)));
  if (lambdaRows.length === 0 && dropoutRows.length === 0) return undefined;
  const plotted = [...lambdaRows, ...dropoutRows, ...none];
  const yScale = lossScale([...plotted.flatMap((r) => [r.lo, r.hi, r.mean]), ...(band ? [band.lowest, band.bound] : [])]);
  const y = {
    field: 'mean',
    type: 'quantitative',
    title: `mean validation loss (${lossTitle})${yScale.log ? ', log scale' : ''}`,
    scale: yScale.scale,
    axis: { labelOverlap: 'greedy', format: ',~r' },
  };
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
                  transform: [{ filter: `datum.type === '${BASELINE}'` }],
                  mark: { type: 'rule', color: '#455a64', strokeWidth: 1.5 },
                  encoding: { x: { field: 'dropoutRate', type: 'quantitative' }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
                },
                {
                  data: { name: 'none' },
                  transform: [{ filter: `datum.type === '${BASELINE}'` }],
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
  /** The one-standard-error band across the panel, its upper edge (the rule's bound) dashed and labelled. */
  const bandLayers = band
    ? [
        {
          data: { name: 'band' },
          mark: { type: 'rect', color: BAND_FILL, opacity: 0.3 },
          encoding: {
            x: { value: 0 },
            x2: { value: 'width' },
            y: { field: 'lowest', type: 'quantitative' },
            y2: { field: 'bound' },
            tooltip: [
              { field: 'label', title: 'lowest mean' },
              { field: 'lowest', title: 'its mean val loss', format: '.4~g' },
              { field: 'bound', title: 'one-standard-error bound', format: '.4~g' },
            ],
          },
        },
        {
          data: { name: 'band' },
          mark: { type: 'rule', color: '#f9a825', strokeDash: [3, 3], strokeWidth: 1.5 },
          encoding: { y: { field: 'bound', type: 'quantitative' } },
        },
        {
          data: { name: 'band' },
          mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -3, dx: -4, color: '#b26a00', fontSize: 11 },
          encoding: { x: { value: 'width' }, y: { field: 'bound', type: 'quantitative' }, text: { value: 'lowest + 1 std err' } },
        },
      ]
    : [];
  /** Points with mean ± se error bars, a line through them (thick on the lowest's path), and a ring on the chosen config. */
  const series = (dataName: string, x: Spec, color: Spec) => [
    {
      data: { name: dataName },
      transform: [{ filter: 'datum.onBestPath' }],
      mark: { type: 'line', strokeWidth: 6, opacity: 0.25 },
      encoding: { x, y, color: { ...color, legend: null }, detail: { field: 'family' } },
    },
    { data: { name: dataName }, mark: { type: 'line', strokeWidth: 1.5, opacity: 0.8 }, encoding: { x, y, color, detail: { field: 'family' } } },
    {
      data: { name: dataName },
      mark: { type: 'rule', strokeWidth: 1.5 },
      encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
    },
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
    const x = {
      field: 'lambdaPlot',
      type: 'quantitative',
      title: 'λ (log scale)',
      scale: { type: 'log', domain: logDomain(lambdaRows.map((r) => r.lambda)) },
      axis: lambdaAxis(lambdaRows.map((r) => r.lambda)),
    };
    panels.push({
      title: 'validation loss vs λ (mean ± std err over folds)',
      width: 440,
      height: 300,
      layer: [...bandLayers, ...baseline('lambda'), ...series('lambda', x, color)],
    });
  }
  if (dropoutRows.length > 0) {
    const rates = dropoutRows.map((r) => r.dropoutRate);
    const x = {
      field: 'dropoutRate',
      type: 'quantitative',
      title: 'dropout rate p',
      scale: { domain: [-0.03, Math.min(1, Math.max(...rates) * 1.15 + 0.02)], nice: false },
      axis: { format: '.2~f' },
    };
    panels.push({
      title: 'validation loss vs dropout rate',
      width: lambdaRows.length > 0 ? 300 : 440,
      height: 300,
      layer: [...bandLayers, ...baseline('dropoutRate'), ...series('dropout', x, color)],
    });
  }
  return {
    $schema: SCHEMA,
    datasets: { lambda: lambdaRows, dropout: dropoutRows, none, band: band ? [band] : [] },
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
  const x = {
    type: 'quantitative',
    title: `mean loss (${lossTitle})${xScale.log ? ', log scale' : ''}`,
    scale: xScale.scale,
    axis: { tickCount: 8, labelOverlap: 'greedy', format: ',~r' },
  };
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
        transform: [
          { fold: ['train', 'mean'], as: ['which', 'loss'] },
          { calculate: "datum.which === 'mean' ? 'validation' : 'train'", as: 'split' },
        ],
        mark: { type: 'point', filled: true, size: 80, opacity: 1 },
        encoding: {
          y,
          x: { ...x, field: 'loss' },
          color: { field: 'split', type: 'nominal', title: 'loss', scale: SPLIT_COLORS, legend: { orient: 'bottom' } },
          tooltip: [...tooltip(lossTitle, scoreName(task)), { field: 'gap', title: 'gap (val - train)', format: '+.4~g' }],
        },
      },
      {
        transform: [
          { calculate: 'max(datum.train, datum.mean)', as: 'right' },
          { calculate: "(datum.gap >= 0 ? '+' : '') + format(datum.gap, '.4~g')", as: 'gapText' },
        ],
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
  const y = {
    field: 'loss',
    type: 'quantitative',
    title: `loss (${lossTitle})${useLog ? ', log scale' : ''}`,
    scale: { zero: false, ...(useLog ? { type: 'log' } : {}) },
  };
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
  const l1Rows = rows.filter((r) => regularizerOf(r.type).penalty.sparse && r.lambda > 0);
  if (l1Rows.length === 0) return undefined;
  const x = {
    field: 'lambda',
    type: 'quantitative',
    title: 'λ (log scale)',
    scale: { type: 'log', domain: logDomain(l1Rows.map((r) => r.lambda)) },
    axis: lambdaAxis(l1Rows.map((r) => r.lambda)),
  };
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
      {
        mark: { type: 'point', filled: true, size: 60 },
        encoding: { x, y, color, tooltip: tooltip(lossName('regression'), 'score').filter((t) => t.field !== 'score') },
      },
      {
        transform: [{ filter: 'datum.chosen' }],
        mark: { type: 'point', filled: false, size: 320, strokeWidth: 2.5, color: CHOSEN_STROKE },
        encoding: { x, y },
      },
    ],
    config: baseConfig,
  };
}

/** The chart specs of a report, by id; a chart that has nothing to show is absent (and the page says why). */
export function chartSpecs(data: SweepData): Record<'lossVsStrength' | 'gap' | 'curves' | 'sparsity', Spec | undefined> {
  const rows = configRows(data.leaderboard);
  return {
    lossVsStrength: lossVsStrengthSpec(rows, data.leaderboard.task, oneSeBand(data.leaderboard)),
    gap: gapSpec(rows, data.leaderboard.task),
    curves: curvesSpec(data),
    sparsity: sparsitySpec(rows),
  };
}
