/**
 * The report's domain: a real (tiny) sweep through the steps on a bucket in memory (MemoryBlobs), exported to
 * plain files, loaded back from the directory and rendered to one HTML file. Reading it from S3, the real bin
 * and headless Chromium: test/integration/report.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chartSpecs } from '../../../cli/report/charts';
import { embeddedData, escapeHtml, jsonForScript, renderReport } from '../../../cli/report/html';
import { exportSweep, loadSweep, type SweepData } from '../../../cli/sweep-files';
import { UserInputError } from '../../../shared/errors';
import { fmt, pairedCell, signed, versusNoneText } from '../../../cli/format';
import { samePath } from '../../../shared/study/selection';
import { bestPrefix } from '../../../shared/store/layout';
import { MemoryBlobs } from '../../../shared/store/memory-blobs';
import { CHART_IDS, runReportSweep, scriptJson, type ChartSpecs } from '../../support/report';

const SWEEP = 'report-tiny';
const FOLDS = 3;
const blobs = new MemoryBlobs('regsweep-report');

let tmp: string;
let dir: string;
let data: SweepData;
let html: string;
let trialIds: string[];

/** Every `url` a spec would load data from (none: all data is inline). */
function urlsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(urlsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => (k === 'url' ? [String(v)] : urlsIn(v)));
}

beforeAll(async () => {
  trialIds = await runReportSweep(blobs, SWEEP, { folds: FOLDS, epochs: 15 });
  // what Step Functions' ResultWriter leaves behind: not part of the exported results
  await blobs.putBytes(`sweeps/${SWEEP}/map-results/manifest.json`, Buffer.from('{"results": []}'));

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-report-'));
  dir = path.join(tmp, SWEEP);
  await exportSweep(blobs, SWEEP, dir);
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
    const weights = (await blobs.getBytes(`${bestPrefix(SWEEP)}weights.bin`))!.body;
    expect(Buffer.compare(fs.readFileSync(path.join(dir, 'best', 'weights.bin')), Buffer.from(weights))).toBe(0);
  });
});

describe('loadSweep', () => {
  it('reads the leaderboard, the best record, every succeeded trial and the spec from the directory', () => {
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
  ])('%s: a user input error naming the path', async (_name, source, message) => {
    const err = await loadSweep(source()).catch((e: unknown) => e);

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

  it('says which search ran: the strategy and its counts, from the leaderboard the sweep aggregated', () => {
    const search = data.leaderboard.search!;
    const configs = data.leaderboard.configs.length;
    expect(search.strategy).toBe('grid');
    expect(search.description).toMatch(new RegExp(`^grid, every one of ${configs} configs on all \\d+ folds \\(${trialIds.length} trials\\), proposed once$`));
    expect(html).toContain(`<p class="search" id="search"><b>Search:</b> ${escapeHtml(search.description)}.</p>`);
    expect(renderReport({ ...data, leaderboard: { ...data.leaderboard, search: undefined } })).not.toContain('id="search"');
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
