/**
 * The report page: one self-contained HTML file that reads like a decision plus a picture. A header with the
 * chosen config, whether it beat no regularization beyond noise, the leaderboard's notes and warnings, how to
 * read the answer, and its test score; the leaderboard, each config's paired difference from `none`, and the
 * four charts of charts.ts. vega, vega-lite and
 * vega-embed are inlined, as are the page's stylesheet (report.css) and script (report.js), read from beside
 * this file; the data is embedded as JSON: the file opens offline.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BASELINE } from '../../shared/regularizers';
import { boardMetric, NOISE_STD_ERRS, type Leaderboard } from '../../shared/study/leaderboard';
import { higherIsBetter, metricStats } from '../../shared/study/selection';
import {
  configScores,
  duration,
  fmt as num,
  lossName,
  metricCell,
  metricName,
  metricText,
  pairedCell,
  pct,
  ruleText,
  scoreColumns,
  scoreName,
  scoreText as score,
  signed,
  versusNoneText,
} from '../format';
import type { SweepData } from '../sweep-files';
import { chartSpecs, type Spec } from './charts';

// ---------------------------------------------------------------------------------------------- escaping

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML element content and attribute values. */
export function escapeHtml(value: string | number | undefined): string {
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

/** The spec's dataset and model, when the spec has the expected shape. */
function specFacts(spec: unknown): string[] {
  const s = (spec ?? {}) as {
    dataset?: { source?: unknown; target?: unknown };
    model?: { hidden?: unknown; activation?: unknown };
    training?: { epochs?: unknown; optimizer?: unknown; learningRate?: unknown };
    validation?: { folds?: unknown; testFraction?: unknown };
  };
  const out: string[] = [];
  if (typeof s.dataset?.source === 'string')
    out.push(
      `dataset <code>${escapeHtml(s.dataset.source)}</code>${typeof s.dataset.target === 'string' ? `, target <code>${escapeHtml(s.dataset.target)}</code>` : ''}`,
    );
  if (Array.isArray(s.model?.hidden))
    out.push(
      `model: ${s.model.hidden.length === 0 ? 'linear' : `hidden [${escapeHtml(s.model.hidden.join(', '))}]`}${typeof s.model?.activation === 'string' ? ` ${escapeHtml(s.model.activation)}` : ''}`,
    );
  if (typeof s.training?.epochs === 'number')
    out.push(
      `up to ${escapeHtml(s.training.epochs)} epochs${typeof s.training.optimizer === 'string' ? `, ${escapeHtml(s.training.optimizer)}` : ''}${typeof s.training.learningRate === 'number' ? ` lr ${escapeHtml(s.training.learningRate)}` : ''}`,
    );
  if (typeof s.validation?.folds === 'number') out.push(s.validation.folds > 1 ? `${escapeHtml(s.validation.folds)}-fold cross-validation` : 'single holdout');
  return out;
}

/** The selected input features, the first few by name. */
function featureList(features: string[], total: number | undefined): string {
  if (features.length === 0) return 'No input feature kept a nonzero weight.';
  const shown = features
    .slice(0, 12)
    .map((f) => `<code>${escapeHtml(f)}</code>`)
    .join(' ');
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
  const metric = boardMetric(board);
  const selected = metricStats(chosen, metric);
  cards.push(
    card(
      `validation ${escapeHtml(metricName(metric))}`,
      escapeHtml(metricText(metric, selected.mean)),
      `± ${escapeHtml(metric === 'loss' ? num(selected.stdErr, 3) : metricText(metric, selected.stdErr))} std err, mean of ${escapeHtml(chosen.folds.succeeded)} folds`,
    ),
  );
  const features = best?.selectedFeatures ?? chosen.selectedFeatures;
  const featureCount = best?.standardizer?.features?.length ?? data.trials[0]?.features.length;
  cards.push(
    card(
      'sparsity',
      escapeHtml(pct(best?.sparsity ?? chosen.meanSparsity)),
      `${escapeHtml(features.length)}${featureCount ? `/${escapeHtml(featureCount)}` : ''} input features selected`,
    ),
  );
  cards.push(
    card(
      'trials',
      `${escapeHtml(t.succeeded)}<small>/${escapeHtml(t.planned)}</small>`,
      t.failed + t.missing > 0 ? `<span class="warn">${escapeHtml(t.failed)} failed, ${escapeHtml(t.missing)} missing</span>` : 'all succeeded',
    ),
  );

  const scores = scoreColumns(task);
  const scoreCells = (m: NonNullable<typeof best>['test']) => scores.map((c) => `<td>${escapeHtml(c.text(m))}</td>`).join('');
  const scoreRows = best
    ? `<table class="scores">
  <thead><tr><th></th><th>rows</th><th>loss (${escapeHtml(lossName(task))})</th>${scores.map((c) => `<th>${escapeHtml(c.name)}</th>`).join('')}</tr></thead>
  <tbody>
    <tr><th>train (train + validation rows, refit for ${escapeHtml(best.epochs)} epochs)</th><td>${escapeHtml(best.rows.train)}</td><td>${escapeHtml(num(best.train.loss))}</td>${scoreCells(best.train)}</tr>
    <tr class="test"><th>test (held out)</th><td>${escapeHtml(best.rows.test)}</td><td>${escapeHtml(num(best.test.loss))}</td>${scoreCells(best.test)}</tr>
  </tbody>
</table>`
    : '<p class="note">No best.json: the chosen config was not refit, so there is no test score yet (run refit).</p>';

  const facts = [...specFacts(data.spec), ...(board.backend ? [`backend ${escapeHtml(board.backend)}`] : []), `aggregated ${escapeHtml(board.createdAt)}`];
  return `<header>
  <p class="eyebrow">regsweep report · sweep <code id="sweep-id">${escapeHtml(board.sweepId)}</code> · ${escapeHtml(task)}</p>
  <h1>Use <span class="chosen-label" id="chosen-label">${escapeHtml(chosen.label)}</span></h1>
  <p class="why">Chosen by rule <b>${escapeHtml(board.rule)}</b>: ${escapeHtml(ruleText(board))}.
  ${featureList(features, featureCount)}</p>
  <p class="vs-none" id="vs-none-words"><b>Against no regularization:</b> ${escapeHtml(versusNoneText(board))}.</p>
  ${board.search ? `<p class="search" id="search"><b>Search:</b> ${escapeHtml(board.search.description)}.</p>` : ''}
  ${warnings(board)}
  ${howToRead(board)}
  <div class="cards">${cards.join('')}</div>
  ${scoreRows}
  <p class="facts">${facts.join(' · ')}</p>
</header>`;
}

/** The leaderboard's notes and diagnostics (warnings), next to the decision they qualify. */
function warnings(board: Leaderboard): string {
  const items = [
    ...(board.diagnostics ?? []).map((d) => `<li class="warning" data-code="${escapeHtml(d.code)}"><b>warning:</b> ${escapeHtml(d.message)}</li>`),
    ...(board.notes ?? []).map((n) => `<li class="note-item"><b>note:</b> ${escapeHtml(n)}</li>`),
  ];
  const none =
    board.diagnostics === undefined
      ? '<p class="note" id="diagnostics-absent">This leaderboard was aggregated before diagnostics were recorded: no warnings were computed.</p>'
      : '';
  return `${items.length > 0 ? `<ul class="warnings" id="warnings">\n${items.join('\n')}\n</ul>` : ''}${none}`;
}

/** What the rule picks and what "beyond noise" means, in a few sentences. */
function howToRead(board: Leaderboard): string {
  return `<p class="how" id="how-to-read"><b>How to read this.</b> Every config is trained on the same folds; its validation loss is the mean over folds ± one standard error.
  The rule <b>min</b> takes the lowest mean. The rule <b>one-standard-error</b> takes the config with the lowest mean, then, along that config's own path only
  (same type, dropout rate and l1Ratio, λ varying; for dropout alone, the rate varying), picks the most regularized config whose mean is within one
  standard error of the lowest: the shaded band in the first chart. It never compares λ across types. This sweep used <b>${escapeHtml(board.rule)}</b>.
  Each config is also compared with <b>none</b> (no regularization) fold by fold, on the same rows with the same seed: it beats none <i>beyond noise</i> when its
  mean paired difference is more than ${escapeHtml(NOISE_STD_ERRS)} standard errors below zero, over more than one fold. Anything less may be noise; that no config
  beat none is an answer too.${metricSentence(board)}</p>`;
}

/** When a score selected (selection.metric), what changes in the rules above, and that the charts still plot the loss. */
function metricSentence(board: Leaderboard): string {
  const metric = boardMetric(board);
  if (metric === 'loss') return '';
  return `
  This sweep ranked and selected by the mean validation <b>${escapeHtml(metricName(metric))}</b> (selection.metric; higher is better): the rules apply to it
  with "lowest" read as "highest" and the one-standard-error bound below the best mean, and the paired differences from none are in it (beyond noise:
  more than ${escapeHtml(NOISE_STD_ERRS)} standard errors above zero). The charts plot the validation loss, so they draw no band.`;
}

/** Each config's paired difference from none on the same folds, in rank order; configs beyond noise marked. */
function versusNoneTable(board: Leaderboard): string {
  const metric = boardMetric(board);
  const head = `<section id="vs-none">
<h2>Paired differences from no regularization</h2>`;
  if (!board.configs.some((c) => c.vsNone)) {
    return `${head}
<p class="note" id="vs-none-empty">No paired differences from none in this leaderboard: it was aggregated before they were recorded, or none has no result on every fold.</p>
</section>`;
  }
  const rows = board.configs
    .map((c) => {
      const p = c.vsNone;
      const chosen = c.configId === board.best.configId ? ' <span class="badge">chosen</span>' : '';
      const verdict = !p
        ? c.reg.type === BASELINE
          ? 'baseline'
          : '-'
        : p.beyondNoise
          ? '<span class="badge good">beyond noise</span>'
          : p.folds > 1
            ? 'within noise'
            : 'no std err (one fold)';
      return `<tr${p?.beyondNoise ? ' class="beyond"' : ''} data-config-id="${escapeHtml(c.configId)}">
  <td class="num">${escapeHtml(c.rank)}</td><td>${escapeHtml(c.label)}${chosen}</td>
  <td class="num">${p ? `${escapeHtml(signed(p.meanDiff))} <span class="se">± ${escapeHtml(num(p.stdErr, 3))}</span>` : '-'}</td>
  <td class="num">${escapeHtml(c.reg.type === BASELINE ? '-' : pairedCell(p, metric))}</td><td>${verdict}</td>
</tr>`;
    })
    .join('\n');
  const caption =
    metric === 'loss'
      ? `Per fold, the config's validation loss minus none's on the same rows (negative: lower loss than none): the mean over folds ± its standard error,
in ${escapeHtml(lossName(board.task))} and as a share of none's mean loss, with the folds where the config won. Beyond noise: more than ${escapeHtml(NOISE_STD_ERRS)} standard errors below zero.`
      : `Per fold, the config's validation ${escapeHtml(metricName(metric))} minus none's on the same rows (positive: higher than none): the mean over folds ± its standard error,
and in percentage points, with the folds where the config won. Beyond noise: more than ${escapeHtml(NOISE_STD_ERRS)} standard errors above zero.`;
  const change = metric === 'loss' ? "% of none's loss ± se (folds won)" : 'points ± se (folds won)';
  return `${head}
<p class="caption">${caption}</p>
<table class="board vs-none">
<thead><tr><th>rank</th><th>config</th><th>Δ val ${escapeHtml(metricName(metric))} (mean ± se)</th><th>${escapeHtml(change)}</th><th>vs none</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</section>`;
}

function leaderboardTable(board: Leaderboard): string {
  const task = board.task;
  const metric = boardMetric(board);
  const scores = scoreColumns(task);
  const rows = board.configs
    .map((c) => {
      const chosen = c.configId === board.best.configId;
      const top = higherIsBetter(metric) ? 'highest' : 'lowest';
      const badge = chosen ? ' <span class="badge">chosen</span>' : c.rank === 1 && board.rule !== 'min' ? ` <span class="badge muted">${top} mean</span>` : '';
      return `<tr${chosen ? ' class="chosen"' : ''} data-config-id="${escapeHtml(c.configId)}">
  <td class="num">${escapeHtml(c.rank)}</td><td>${escapeHtml(c.label)}${badge}</td>${metric === 'loss' ? '' : `<td class="num">${escapeHtml(metricCell(board, c))}</td>`}
  <td class="num">${escapeHtml(num(c.meanValLoss))} <span class="se">± ${escapeHtml(num(c.stdErr, 3))}</span></td>
  <td class="num">${escapeHtml(num(c.meanTrainLoss))}</td><td class="num">${escapeHtml(signed(c.meanGap))}</td>
  ${scores.map((s) => `<td class="num">${escapeHtml(s.text(configScores(c)))}</td>`).join('')}<td class="num">${escapeHtml(pct(c.meanSparsity))}</td>
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
<p class="caption">Configs with every fold succeeded, ranked by mean validation ${escapeHtml(metricName(metric))}. Trials: ${escapeHtml(t.planned)} planned, ${escapeHtml(t.succeeded)} succeeded, <span class="${t.failed > 0 ? 'warn' : ''}">${escapeHtml(t.failed)} failed</span>, <span class="${t.missing > 0 ? 'warn' : ''}">${escapeHtml(t.missing)} missing</span>.</p>
<table class="board">
<thead><tr><th>rank</th><th>config</th>${metric === 'loss' ? '' : `<th>val ${escapeHtml(metricName(metric))} (mean ± se)</th>`}<th>val loss (mean ± se)</th><th>train loss</th><th>gap</th>${scores.map((s) => `<th>${escapeHtml(s.name)}</th>`).join('')}<th>sparsity</th><th>best epoch</th><th>duration</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${incomplete}
${failed}
${missing}
</section>`;
}

/** What the sweep made of its dataset (leaderboard.data): rows, classes, and each column's role and use. */
function dataSection(board: Leaderboard): string {
  const d = board.data;
  if (!d) return '';
  const rows = d.columns
    .map(
      (c) =>
        `<tr${c.use.startsWith('dropped') ? ' class="dropped"' : ''}><th>${escapeHtml(c.name)}</th><td>${escapeHtml(c.role)}</td><td>${escapeHtml(c.use)}</td></tr>`,
    )
    .join('\n');
  const classes = d.classNames ? ` Classes: ${d.classNames.map((c) => `<code>${escapeHtml(c)}</code>`).join(', ')}.` : '';
  const notes = d.notices.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n');
  return `<section id="data">
<h2>Data</h2>
<p class="caption">${escapeHtml(d.rows)} rows (${escapeHtml(d.droppedRows)} without a target dropped), target <code>${escapeHtml(d.target)}</code>.${classes} Column roles were inferred on the non-test rows (or set in the spec); every statistic below the roles (levels, imputed values, standardization) is fitted on each fold's training rows only.</p>
<table class="data-columns">
<thead><tr><th>column</th><th>role</th><th>use</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${notes}
</section>`;
}

const CHARTS: { id: keyof ReturnType<typeof chartSpecs>; title: string; caption: string; empty: string }[] = [
  {
    id: 'lossVsStrength',
    title: 'Regularization paths: validation loss against λ and dropout rate',
    caption:
      "Mean validation loss over folds with ± one standard error, one line per path; the thick line is the lowest-mean config's own path, and the shaded band runs from its mean to its mean + one standard error (the one-standard-error rule picks the most regularized config of that path inside the band). The dashed grey line is the unregularized model (none). Lower is better; the ring marks the chosen config.",
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

/** A file's text as the body of an inline element: a closing tag in it cannot end the element early. */
const inline = (file: string, tag: 'script' | 'style') => fs.readFileSync(file, 'utf8').replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1');

let assets: { style: string; script: string; bundles: string } | undefined;
/**
 * The page's stylesheet and script (report.css, report.js beside this file), and the vega, vega-lite and
 * vega-embed browser bundles as inline script elements; read once.
 */
function inlineAssets(): { style: string; script: string; bundles: string } {
  if (assets === undefined) {
    const file = (pkg: string, name: string) => path.join(path.dirname(require.resolve(pkg)), name);
    const bundles = [file('vega', 'vega.min.js'), file('vega-lite', 'vega-lite.min.js'), file('vega-embed', 'vega-embed.min.js')]
      .map((f) => `<script>${inline(f, 'script')}</script>`)
      .join('\n');
    assets = { style: inline(path.join(__dirname, 'report.css'), 'style'), script: inline(path.join(__dirname, 'report.js'), 'script'), bundles };
  }
  return assets;
}

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
  const { style, script, bundles } = inlineAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>regsweep report: ${escapeHtml(data.leaderboard.sweepId)}</title>
<style>\n${style}</style>
</head>
<body>
<main>
${header(data)}
${leaderboardTable(data.leaderboard)}
${versusNoneTable(data.leaderboard)}
${figures}
${dataSection(data.leaderboard)}
</main>
<script type="application/json" id="regsweep-data">${jsonForScript(embeddedData(data))}</script>
<script type="application/json" id="regsweep-specs">${jsonForScript(embedded)}</script>
${bundles}
<script>\n${script}</script>
</body>
</html>
`;
}

/** Render and write the report (parent directories created). */
export function writeReport(data: SweepData, file: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, renderReport(data), 'utf8');
}
