/**
 * `regsweep report` end to end: a real (tiny) sweep on the local S3 server, exported to plain files, loaded back
 * from the directory and from S3, rendered to one HTML file, and opened in headless Chromium.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { chartSpecs } from '../../cli/report/charts';
import { embeddedData, escapeHtml, jsonForScript, renderReport, writeReport } from '../../cli/report/html';
import { exportSweep, loadSweep, type SweepData } from '../../cli/sweep-files';
import { UserInputError } from '../../shared/errors';
import { fmt, pairedCell, signed, versusNoneText } from '../../cli/format';
import { samePath } from '../../shared/study/selection';
import { bestPrefix } from '../../shared/store/layout';
import { aggregateSweep, loadManifest } from '../../shared/steps/aggregate';
import { createCaches } from '../../shared/steps/context';
import { planSweep } from '../../shared/steps/plan';
import { refitBest } from '../../shared/steps/refit';
import { CHROMIUM_INSTALL_HINT, findChromium, renderInChromium } from '../support/browser';
import { regsweep } from '../support/cli';
import { useLocalS3 } from '../support/s3';
import { DATA_DIR, ready } from '../support/tf';
import { runTrial } from '../support/trial';

const BUCKET = 'regsweep-report';
const SWEEP = 'report-tiny';
const s3 = useLocalS3(BUCKET);
const CHART_IDS = ['lossVsStrength', 'gap', 'curves', 'sparsity'] as const;
const FOLDS = 3;

let tmp: string;
let dir: string;
let data: SweepData;
let html: string;
let trialIds: string[];

/** The JSON in `<script type="application/json" id="...">`. */
/** The parts of the embedded chart specs the assertions read. */
interface ChartSpecs {
  lossVsStrength: {
    hconcat: { layer: { data?: { name: string }; mark: { type: string }; encoding?: { x?: { scale?: { type?: string } } } }[] }[];
    datasets: {
      lambda: PathRow[];
      dropout: PathRow[];
      none: { label: string }[];
      band: { label: string; lowest: number; se: number; bound: number }[];
    };
  };
  gap: { data: { values: unknown[] } };
  curves: { datasets: { curves: unknown[] } };
  sparsity: { data: { values: { lambda: number }[] } };
}

/** A row the path chart plots. */
interface PathRow {
  configId: string;
  mean: number;
  se: number;
  lo: number;
  hi: number;
  onBestPath: boolean;
}

function scriptJson(page: string, id: string): unknown {
  const m = new RegExp(`<script type="application/json" id="${id}">([^<]*)</script>`).exec(page);
  if (!m) throw new Error(`no script#${id} in the page`);
  return JSON.parse(m[1]);
}

/** Every `url` a spec would load data from (none: all data is inline). */
function urlsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(urlsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => (k === 'url' ? [String(v)] : urlsIn(v)));
}

beforeAll(async () => {
  await ready();
  await s3.store.putBytes('datasets/diabetes.csv', fs.readFileSync(path.join(DATA_DIR, 'diabetes.csv')), 'text/csv');
  await planSweep(s3.store, {
    spec: {
      sweepId: SWEEP,
      dataset: { source: `s3://${BUCKET}/datasets/diabetes.csv`, target: 'progression', task: 'regression' },
      model: { hidden: [8] },
      training: { epochs: 15, batchSize: 32, learningRate: 0.05, patience: 5 },
      validation: { folds: FOLDS, testFraction: 0.2, seed: 7 },
      search: { types: ['none', 'l1', 'l2', 'dropout'], lambda: [1, 30, 1000], dropout: [0.1, 0.4] },
    },
  });
  const deps = { store: s3.store, caches: createCaches(), backend: tf.getBackend() };
  const items = await loadManifest(s3.store, SWEEP);
  trialIds = items.map((i) => i.trialId);
  for (const item of items) await runTrial({ ...item, sweepId: SWEEP }, deps);
  await aggregateSweep(s3.store, SWEEP);
  await refitBest(s3.store, SWEEP, { backend: tf.getBackend() });
  // what Step Functions' ResultWriter leaves behind: not part of the exported results
  await s3.store.putJson(`sweeps/${SWEEP}/map-results/manifest.json`, { results: [] });

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-report-'));
  dir = path.join(tmp, SWEEP);
  await exportSweep(s3.store, SWEEP, dir);
  data = await loadSweep(dir);
  html = renderReport(data);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('exportSweep', () => {
  it('writes the sweep as plain files: leaderboard, best.json on top, spec, model, the record parts of each batch; no map-results', async () => {
    for (const f of ['leaderboard.json', 'best.json', 'spec.json', 'manifest.json', 'best/model.json', 'best/weights.bin']) {
      expect(fs.existsSync(path.join(dir, f))).toBe(true);
    }
    // each trial ran as a batch of one: trials/<trialId>+1/ holds one part of one record
    expect(fs.readdirSync(path.join(dir, 'trials')).sort()).toEqual(trialIds.map((id) => `${id}+1`).sort());
    for (const id of trialIds) expect(fs.readdirSync(path.join(dir, 'trials', `${id}+1`))).toEqual([expect.stringMatching(/\.n1\.json$/)]);
    expect(fs.existsSync(path.join(dir, 'map-results'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'best', 'best.json'))).toBe(false);
    const weights = (await s3.store.getBytes(`${bestPrefix(SWEEP)}weights.bin`))!.body;
    expect(Buffer.compare(fs.readFileSync(path.join(dir, 'best', 'weights.bin')), Buffer.from(weights))).toBe(0);
  });
});

describe('loadSweep', () => {
  it('reads the same content from the directory and from the s3:// URI', async () => {
    const fromS3 = await loadSweep(`s3://${BUCKET}/sweeps/${SWEEP}/`, { s3Endpoint: s3.endpoint });

    expect(fromS3).toEqual(data);
    expect(data.trials).toHaveLength(trialIds.length);
    expect(data.best?.config.configId).toBe(data.leaderboard.best.configId);
    expect(data.spec).toMatchObject({ sweepId: SWEEP });
  });

  it('leaves out failed and corrupt trial records', async () => {
    const copy = path.join(tmp, 'with-bad-records');
    fs.cpSync(dir, copy, { recursive: true });
    const partOf = (id: string) => {
      const batch = path.join(copy, 'trials', `${id}+1`);
      return path.join(batch, fs.readdirSync(batch)[0]);
    };
    const first = (JSON.parse(fs.readFileSync(partOf(trialIds[0]), 'utf8')) as { records: Record<string, unknown>[] }).records[0];
    fs.writeFileSync(partOf(trialIds[0]), JSON.stringify({ records: [{ ...first, status: 'failed', error: { name: 'Error', message: 'boom' } }] }));
    fs.writeFileSync(partOf(trialIds[1]), '{"records": [{"status": "succ');

    const loaded = await loadSweep(copy);

    expect(loaded.trials.map((t) => t.trialId).sort()).toEqual(trialIds.slice(2).sort());
  });

  it.each<[string, () => string, RegExp]>([
    ['a missing directory', () => path.join(tmp, 'nope'), /sweep directory not found: .*nope/],
    ['a file, not a directory', () => path.join(dir, 'spec.json'), /not a sweep directory: .*spec\.json is a file/],
    [
      'a directory without leaderboard.json',
      () => {
        const d = path.join(tmp, 'empty');
        fs.mkdirSync(d, { recursive: true });
        return d;
      },
      /no leaderboard: .*empty\/leaderboard\.json not found/,
    ],
    [
      'a leaderboard.json that is not JSON',
      () => {
        const d = path.join(tmp, 'corrupt');
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, 'leaderboard.json'), '{"configs": [');
        return d;
      },
      /corrupt\/leaderboard\.json: invalid JSON/,
    ],
    [
      'a best.json that is not JSON',
      () => {
        const d = path.join(tmp, 'corrupt-best');
        fs.cpSync(dir, d, { recursive: true });
        fs.writeFileSync(path.join(d, 'best.json'), 'not json');
        return d;
      },
      /corrupt-best\/best\.json: invalid JSON/,
    ],
    [
      'an S3 URI that is not a sweep prefix',
      () => `s3://${BUCKET}/datasets/diabetes.csv`,
      /invalid sweep URI "s3:\/\/regsweep-report\/datasets\/diabetes.csv"/,
    ],
    [
      'a sweep that is not in the bucket',
      () => `s3://${BUCKET}/sweeps/no-such-sweep/`,
      /no leaderboard: s3:\/\/regsweep-report\/sweeps\/no-such-sweep\/leaderboard\.json not found/,
    ],
  ])('%s: a user input error naming the path', async (_name, source, message) => {
    const err = await loadSweep(source(), { s3Endpoint: s3.endpoint }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(UserInputError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('renderReport', () => {
  it('is one self-contained file: vega, vega-lite and vega-embed inlined, nothing loaded from the network', () => {
    expect(html).not.toMatch(/<script[^>]*\ssrc\s*=/i);
    expect(html).not.toMatch(/<link[^>]*\shref\s*=/i);
    expect(html).not.toMatch(/@import/);
    expect(html).toContain('.vegaEmbed=');
    expect(html).toContain('.vegaLite={}');
    // the page's own code and the charts: every dataset inline, no URL to fetch
    const specs = scriptJson(html, 'regsweep-specs');
    expect(urlsIn(specs)).toEqual([]);
    const ownScript = html.slice(html.lastIndexOf('<script>'));
    expect(ownScript).not.toMatch(/fetch\(|XMLHttpRequest|https?:\/\//);
  });

  it('leads with the decision: the chosen config, its rule and its test score', () => {
    const best = data.best!;
    expect(html).toContain(`<span class="chosen-label" id="chosen-label">${escapeHtml(data.leaderboard.best.label)}</span>`);
    expect(html).toContain(`rule <b>min</b>`);
    expect(html).toContain(`<td>${escapeHtml(fmt(best.test.loss))}</td><td>${escapeHtml(fmt(best.test.r2, 3))}</td>`);
    expect(html).toMatch(new RegExp(`<tr class="test"><th>test \\(held out\\)</th><td>${best.rows.test}</td>`));
    expect(html).toContain(`>${best.rows.train}</td>`);
  });

  it('lists every ranked config in the leaderboard and highlights the chosen row', () => {
    const board = html.slice(html.indexOf('<table class="board">'), html.indexOf('</table>', html.indexOf('<table class="board">')));
    const rows = board.match(/<tr[ >][^]*?<\/tr>/g)!.slice(1); // without the head
    expect(rows).toHaveLength(data.leaderboard.configs.length);
    const chosen = rows.filter((r) => r.startsWith('<tr class="chosen"'));
    expect(chosen).toHaveLength(1);
    expect(chosen[0]).toContain(`data-config-id="${data.leaderboard.best.configId}"`);
    expect(html).toContain(`${trialIds.length} planned, ${trialIds.length} succeeded`);
  });

  it('embeds every chart spec, each with the rows it plots', () => {
    const specs = scriptJson(html, 'regsweep-specs') as ChartSpecs;
    const configs = data.leaderboard.configs;
    const chosenTrials = data.trials.filter((t) => t.configId === data.leaderboard.best.configId);

    expect(Object.keys(specs).sort()).toEqual([...CHART_IDS].sort());
    for (const id of CHART_IDS) expect(html).toContain(`id="chart-${id}"`);
    // (a) one panel against lambda (l1, l2 at 3 lambdas), one against the dropout rate (2 rates), none as the baseline
    expect(specs.lossVsStrength.hconcat).toHaveLength(2);
    expect(specs.lossVsStrength.datasets.lambda).toHaveLength(6);
    expect(specs.lossVsStrength.datasets.dropout).toHaveLength(2);
    expect(specs.lossVsStrength.datasets.none.map((r) => r.label)).toEqual(['none']);
    expect(specs.lossVsStrength.hconcat[0].layer.some((l) => l.encoding?.x?.scale?.type === 'log')).toBe(true);
    // (b) every config, train and validation
    expect(specs.gap.data.values).toHaveLength(configs.length);
    // (c) both curves of each fold of the chosen config
    expect(chosenTrials).toHaveLength(FOLDS);
    expect(specs.curves.datasets.curves).toHaveLength(chosenTrials.reduce((s, t) => s + t.curves.trainLoss.length + t.curves.valLoss.length, 0));
    // (d) the l1 configs
    expect(specs.sparsity.data.values.map((r) => r.lambda).sort((a, b) => a - b)).toEqual([1, 30, 1000]);
  });

  it('the path chart plots each path mean ± std err, the lowest one marked, with the one-standard-error band at lowest mean + its std err', () => {
    const specs = scriptJson(html, 'regsweep-specs') as ChartSpecs;
    const board = data.leaderboard;
    const lowest = board.configs[0];
    const byId = new Map(board.configs.map((c) => [c.configId, c]));
    const plotted = [...specs.lossVsStrength.datasets.lambda, ...specs.lossVsStrength.datasets.dropout];

    for (const r of plotted) {
      const c = byId.get(r.configId)!;
      expect([r.mean, r.se, r.lo, r.hi]).toEqual([c.meanValLoss, c.stdErr, c.meanValLoss - c.stdErr, c.meanValLoss + c.stdErr]);
      expect(r.onBestPath).toBe(samePath(c.reg, lowest.reg));
    }
    expect(specs.lossVsStrength.datasets.band).toEqual([
      { label: lowest.label, lowest: lowest.meanValLoss, se: lowest.stdErr, bound: lowest.meanValLoss + lowest.stdErr },
    ]);
    expect(lowest.stdErr).toBeGreaterThan(0); // a real band, not a line
    for (const panel of specs.lossVsStrength.hconcat) {
      expect(panel.layer.some((l) => l.data?.name === 'band' && l.mark.type === 'rect')).toBe(true);
    }
  });

  it('a single holdout has no band: the rule is min', () => {
    const board = data.leaderboard;
    const oneFold = (c: (typeof board.configs)[number]) => ({ ...c, stdErr: 0, folds: { succeeded: 1, planned: 1 } });
    const holdout: SweepData = { ...data, leaderboard: { ...board, configs: board.configs.map(oneFold), best: oneFold(board.best) } };

    const spec = chartSpecs(holdout).lossVsStrength as unknown as ChartSpecs['lossVsStrength'];

    expect(spec.datasets.band).toEqual([]);
    expect(spec.hconcat.every((p) => p.layer.every((l) => l.data?.name !== 'band'))).toBe(true);
  });

  it("lists each config's paired difference from none, marks those beyond noise, and says the decision's words about none", () => {
    const board = data.leaderboard;
    const section = html.slice(html.indexOf('<section id="vs-none">'), html.indexOf('</section>', html.indexOf('<section id="vs-none">')));
    const rows = section.match(/<tr[ >][^]*?<\/tr>/g)!.slice(1);

    expect(rows).toHaveLength(board.configs.length);
    expect(board.configs.filter((c) => c.vsNone)).toHaveLength(board.configs.length - 1); // all but none itself
    board.configs.forEach((c, i) => {
      expect(rows[i]).toContain(`data-config-id="${c.configId}"`);
      if (c.reg.type === 'none') expect(rows[i]).toContain('baseline');
      else {
        const p = c.vsNone!;
        expect(rows[i]).toContain(`${escapeHtml(signed(p.meanDiff))} <span class="se">± ${escapeHtml(fmt(p.stdErr, 3))}</span>`);
        expect(rows[i]).toContain(escapeHtml(pairedCell(p)));
        expect(rows[i].includes('beyond noise</span>')).toBe(p.beyondNoise);
        expect(rows[i].startsWith('<tr class="beyond"')).toBe(p.beyondNoise);
      }
    });
    expect(html).toContain(`<b>Against no regularization:</b> ${escapeHtml(versusNoneText(board))}.`);
    expect(html).toMatch(/<p class="how" id="how-to-read">[^]*more than 2 standard errors below zero, over more than one fold/);
  });

  it('shows the leaderboard notes and diagnostics as warnings by the decision, escaped', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const board = data.leaderboard;
    const page = renderReport({
      ...data,
      leaderboard: { ...board, notes: [`a note ${hostile}`], diagnostics: [{ code: 'edge-of-grid', message: `chosen λ at the edge ${hostile}` }] },
    });

    const list = page.slice(page.indexOf('<ul class="warnings" id="warnings">'), page.indexOf('</ul>', page.indexOf('id="warnings"')));
    expect(list).toContain(`<li class="warning" data-code="edge-of-grid"><b>warning:</b> chosen λ at the edge ${escapeHtml(hostile)}</li>`);
    expect(list).toContain(`<li class="note-item"><b>note:</b> a note ${escapeHtml(hostile)}</li>`);
    expect(page.indexOf('id="warnings"')).toBeLessThan(page.indexOf('<section id="leaderboard">'));
    expect(page).not.toContain('<img src=x');
  });

  it('an older leaderboard without vsNone, notes or diagnostics still renders, the new sections replaced by a note', () => {
    const board = data.leaderboard;
    const strip = ({ vsNone: _vsNone, ...c }: (typeof board.configs)[number]) => c;
    const old: SweepData = {
      ...data,
      leaderboard: { ...board, configs: board.configs.map(strip), best: strip(board.best), notes: undefined, diagnostics: undefined },
    };

    const page = renderReport(old);

    expect(page).toContain('<p class="note" id="vs-none-empty">No paired differences from none in this leaderboard');
    expect(page).toContain('<p class="note" id="diagnostics-absent">');
    expect(page).not.toContain('id="warnings"');
    expect(page).toContain(`<span class="chosen-label" id="chosen-label">${escapeHtml(board.best.label)}</span>`);
    expect(Object.keys(scriptJson(page, 'regsweep-specs') as object).sort()).toEqual([...CHART_IDS].sort());
  });

  it('a sweep selected by a classification score names it: the card, the leaderboard column and caption, how to read it; no band on the loss chart', () => {
    // Prepare: the same configs read as a classification ranked by balanced accuracy (each config's score made up from its rank)
    const board = data.leaderboard;
    const scored = (c: (typeof board.configs)[number]) => ({
      ...c,
      meanAccuracy: 0.9,
      meanBalancedAccuracy: 0.9 - c.rank / 100,
      score: { mean: 0.9 - c.rank / 100, stdErr: 0.01 },
    });
    const configs = board.configs.map(scored);
    const byScore: SweepData = { ...data, leaderboard: { ...board, task: 'classification', metric: 'balancedAccuracy', configs, best: scored(board.best) } };
    // Act
    const page = renderReport(byScore);
    // Assess
    expect(page).toContain('<div class="card-label">validation balanced accuracy</div>');
    const section = page.slice(page.indexOf('<section id="leaderboard">'), page.indexOf('</section>', page.indexOf('<section id="leaderboard">')));
    expect(section).toContain('ranked by mean validation balanced accuracy.');
    expect(section).toContain('<th>val balanced accuracy (mean ± se)</th>');
    configs.forEach((c) => expect(section).toContain(`<td class="num">${escapeHtml(`${(c.score.mean * 100).toFixed(1)}% ± 1.0%`)}</td>`));
    expect(page).toMatch(/<p class="how" id="how-to-read">[^]*ranked and selected by the mean validation <b>balanced accuracy<\/b>/);
    expect((chartSpecs(byScore).lossVsStrength as unknown as ChartSpecs['lossVsStrength']).datasets.band).toEqual([]);
  });

  it('embeds the data as JSON that reads back unchanged', () => {
    expect(scriptJson(html, 'regsweep-data')).toEqual(JSON.parse(JSON.stringify(embeddedData(data))));
  });

  it('escapes what it inserts: hostile labels and error messages stay text', () => {
    const hostile = '</script><script>alert("x")</script><img src=x onerror=alert(1)>';
    const board = data.leaderboard;
    const tampered: SweepData = {
      ...data,
      leaderboard: {
        ...board,
        trials: { ...board.trials, failed: 1, missing: 1 },
        incomplete: [{ configId: 'l2-hostile', label: hostile, succeeded: 1, planned: 3 }],
        failedTrials: [{ trialId: 't-0000000000000000', configId: 'l2-hostile', fold: 1, error: { name: 'Error', message: hostile } }],
        missingTrialIds: ['t-1111111111111111'],
        configs: board.configs.map((c, i) => (i === board.configs.length - 1 ? { ...c, label: hostile } : c)),
      },
    };

    const page = renderReport(tampered);

    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<script>alert');
    expect(page).toContain(escapeHtml(hostile));
    expect(page.match(/<\/script>/g)).toHaveLength(page.match(/<script[ >]/g)!.length); // no element ended early
    const embedded = scriptJson(page, 'regsweep-data') as SweepData;
    expect(embedded.leaderboard.failedTrials[0].error.message).toBe(hostile);
    expect(page).toContain('t-1111111111111111');
    expect(page).toMatch(/<span class="warn">1 failed<\/span>/);
    expect(jsonForScript({ s: '</script>' })).toBe('{"s":"\\u003c/script\\u003e"}');
  });

  it('skips the sparsity chart with a note when the sweep has no L1 or elastic-net config', () => {
    const board = data.leaderboard;
    const configs = board.configs.filter((c) => !c.reg.type.startsWith('l1')).map((c, i) => ({ ...c, rank: i + 1 }));
    const noL1: SweepData = { ...data, leaderboard: { ...board, configs, best: configs[0] } };

    const page = renderReport(noL1);

    expect(chartSpecs(noL1).sparsity).toBeUndefined();
    expect(Object.keys(scriptJson(page, 'regsweep-specs') as object)).not.toContain('sparsity');
    expect(page).toContain('<p class="note" id="chart-sparsity-empty">No L1 or elastic-net config in this sweep');
  });
});

const chromium = findChromium();
if (!chromium) {
  console.warn(`report.test.ts: the headless-browser test is SKIPPED because Chromium is missing. Install it with: ${CHROMIUM_INSTALL_HINT}`);
}

describe('the report in headless Chromium', () => {
  /** The DOM of one chart container (up to the end of its section). */
  const chartDom = (dom: string, id: string) => {
    const start = dom.indexOf(`id="chart-${id}"`);
    expect(start).toBeGreaterThan(-1);
    return dom.slice(start, dom.indexOf('</section>', start));
  };
  /** How many marks vega drew in the chart's groups of one type (e.g. symbol, line). */
  const markCount = (chart: string, type: string) =>
    [...chart.matchAll(new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>([^]*?)</g>`, 'g'))].reduce(
      (n, m) => n + (m[1].match(/<(path|line)\b/g) ?? []).length,
      0,
    ); // rules are <line>, other marks <path>

  (chromium ? it : it.skip)('draws every chart as SVG marks, and the screenshot is a real picture', async () => {
    const file = path.join(tmp, 'report.html');
    const png = path.join(tmp, 'report.png');
    writeReport(data, file);

    const { dom } = await renderInChromium(file, png, { chromium });
    const specs = scriptJson(html, 'regsweep-specs') as ChartSpecs;

    expect(dom.match(/class="chart-error"[^<]*>[^<]*/g) ?? []).toEqual([]); // a failed chart shows its error
    expect(/<body[^>]*data-charts="done"/.test(dom)).toBe(true);
    expect(dom.match(/<svg[^>]*class="marks"/g)).toHaveLength(CHART_IDS.length);
    const configs = data.leaderboard.configs.length;
    const a = chartDom(dom, 'lossVsStrength');
    expect(markCount(a, 'symbol')).toBeGreaterThanOrEqual(configs); // one point per config (+ the chosen ring)
    expect(markCount(a, 'rule')).toBeGreaterThanOrEqual(configs); // an error bar per config, and the baseline
    expect(markCount(a, 'rect')).toBe(specs.lossVsStrength.hconcat.length); // the one-standard-error band in each panel
    expect(markCount(chartDom(dom, 'gap'), 'symbol')).toBe(2 * configs); // train and validation per config
    const curves = chartDom(dom, 'curves');
    expect(markCount(curves, 'line')).toBe(2 * FOLDS); // train and validation per fold
    expect(markCount(curves, 'symbol')).toBe(FOLDS); // each fold's best epoch
    expect(markCount(chartDom(dom, 'sparsity'), 'symbol')).toBeGreaterThanOrEqual(3);
    for (const id of CHART_IDS) expect(chartDom(dom, id)).toContain('role-axis');

    const bytes = fs.readFileSync(png);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1280, 2400]); // IHDR width, height
    expect(bytes.length).toBeGreaterThan(20 * 1024);
    if (process.env.REGSWEEP_REPORT_PNG) fs.copyFileSync(png, process.env.REGSWEEP_REPORT_PNG);
  });
});

describe('regsweep report (the real bin)', () => {
  it('writes <dir>/report.html and prints its path', () => {
    const r = regsweep(['report', dir]);

    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(path.join(dir, 'report.html'));
    const page = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(page).toContain(escapeHtml(data.leaderboard.best.label));
  });

  it('reads an s3:// sweep through --s3-endpoint and writes --out', () => {
    const out = path.join(tmp, 'from-s3', 'r.html');

    const r = regsweep(['report', `s3://${BUCKET}/sweeps/${SWEEP}/`, '--s3-endpoint', s3.endpoint, '--out', out]);

    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    expect(scriptJson(fs.readFileSync(out, 'utf8'), 'regsweep-data')).toEqual(JSON.parse(JSON.stringify(embeddedData(data))));
  });

  it('--out naming an existing directory: exit 2 and one line naming --out, nothing written', () => {
    const target = fs.mkdtempSync(path.join(tmp, 'out-dir-'));

    const r = regsweep(['report', dir, '--out', target]);

    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `regsweep: error: --out ${target} is a directory: give the HTML file to write, e.g. ${path.join(target, 'report.html')}`,
    ]);
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(target)).toEqual([]);
  });

  it('an --s3-endpoint the SDK could not use (port out of range): exit 2 naming the flag', () => {
    const r = regsweep(['report', `s3://${BUCKET}/sweeps/${SWEEP}/`, '--s3-endpoint', 'http://127.0.0.1:99999']);

    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^regsweep: error: .*--s3-endpoint must be an http\(s\) URL, got "http:\/\/127\.0\.0\.1:99999"/);
    expect(r.stdout).toBe('');
  });

  it('a missing directory: exit 2 and one line naming the path', () => {
    const missing = path.join(tmp, 'does-not-exist');

    const r = regsweep(['report', missing]);

    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`regsweep: error: sweep directory not found: ${missing}`]);
    expect(r.stdout).toBe('');
  });
});
