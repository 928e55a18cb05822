/**
 * `regsweep report` end to end: a real (tiny) sweep through the steps on the local S3 server, exported through
 * ObjectStore, loaded back from the directory and from S3 (the same content), written by the real bin from
 * either, and opened in headless Chromium. The report's content itself: test/unit/cli/report.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { embeddedData, escapeHtml, renderReport, writeReport } from '../../cli/report/html';
import { exportSweep, loadSweep, type SweepData } from '../../cli/sweep-files';
import { UserInputError } from '../../shared/errors';
import { CHROMIUM_INSTALL_HINT, findChromium, renderInChromium } from '../support/browser';
import { regsweep } from '../support/cli';
import { CHART_IDS, runReportSweep, scriptJson, type ChartSpecs } from '../support/report';
import { useLocalS3 } from '../support/s3';

const BUCKET = 'regsweep-report';
const SWEEP = 'report-tiny';
const s3 = useLocalS3(BUCKET);
const FOLDS = 2;

let tmp: string;
let dir: string;
let data: SweepData;
let html: string;
let trialIds: string[];

beforeAll(async () => {
  trialIds = await runReportSweep(s3.store, SWEEP, { folds: FOLDS, epochs: 5 });
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

describe('loadSweep', () => {
  it('reads the same content from the directory exported through ObjectStore and from the s3:// URI', async () => {
    const fromS3 = await loadSweep(`s3://${BUCKET}/sweeps/${SWEEP}/`, { s3Endpoint: s3.endpoint });

    expect(fromS3).toEqual(data);
    expect(data.trials).toHaveLength(trialIds.length);
    expect(fs.existsSync(path.join(dir, 'map-results'))).toBe(false);
  });

  it.each<[string, () => string, RegExp]>([
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
