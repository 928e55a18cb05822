/**
 * `regsweep predict` through the real bin (issue #15): small linear sweeps on cars.json (regression) and
 * penguins.json (classification), run once through the steps on a bucket in memory and exported as
 * `regsweep local --out` exports them (the harness that runs them there is tested in harness-*.test.ts and
 * cli-local-trust.test.ts), then their chosen models applied to raw rows. The predictions of
 * the held-out test rows must give back the test score the refit stored in best.json; one row is worked by
 * hand from the saved weights; the s3:// URI of the same sweep gives the same output.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { readDatasetFile } from '../../shared/data/parse';
import { planSplits } from '../../shared/data/splits';
import type { BestRecord } from '../../shared/study/best';
import { exportSweep } from '../../cli/sweep-files';
import { bestKey, bestPrefix } from '../../shared/store/layout';
import { MemoryBlobs } from '../../shared/store/memory-blobs';
import { regsweep } from '../support/cli';
import { useLocalS3 } from '../support/s3';
import { runSweep } from '../support/steps';
import { DATA_DIR } from '../support/tf';

const VALIDATION = { folds: 2, testFraction: 0.2, seed: 3 };
const CARS = { source: path.join(DATA_DIR, 'cars.json'), target: 'Miles_per_Gallon', task: 'regression' } as const;
const PENGUINS = { source: path.join(DATA_DIR, 'penguins.json'), target: 'Species', task: 'classification', missing: ['.'] } as const;
const CLASSES = ['Adelie', 'Chinstrap', 'Gentoo'];

const s3 = useLocalS3();
const blobs = new MemoryBlobs('regsweep-predict');
let tmp: string;

/** Run a small linear sweep on the local dataset file; returns its results directory (what `regsweep local --out` writes). */
async function sweep(sweepId: string, dataset: { source: string }): Promise<string> {
  const name = path.basename(dataset.source);
  await blobs.putBytes(`datasets/${name}`, fs.readFileSync(dataset.source));
  const source = `s3://${blobs.bucket}/datasets/${name}`;
  await runSweep(blobs, {
    sweepId,
    dataset: { ...dataset, source },
    model: { hidden: [] },
    validation: VALIDATION,
    search: { types: ['none', 'l2'], lambda: [1, 10] },
  });
  const dir = path.join(tmp, 'out', sweepId);
  await exportSweep(blobs, sweepId, dir);
  return dir;
}

const readBest = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'best.json'), 'utf8')) as BestRecord;
const rawRows = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>[];
/** A file in the temp dir. */
function write(name: string, content: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, content);
  return p;
}

/** `regsweep predict`, which must succeed; its CSV output parsed (header row included as column names). */
function predictCsv(args: string[]): { rows: Record<string, string>[]; stderr: string } {
  const r = regsweep(['predict', ...args]);
  if (r.code !== 0) throw new Error(`regsweep predict exited ${r.code}: ${r.stderr}`);
  return { rows: parseCsv<Record<string, string>>(r.stdout, { columns: true }), stderr: r.stderr };
}

/** The test rows of a sweep, as indices of the file's rows (rows without a target are not dataset rows). */
async function testRowsOfFile(dataset: {
  source: string;
  target: string;
  task: 'regression' | 'classification';
  missing?: readonly string[];
}): Promise<{ file: number[]; y: number[] }> {
  const ds = await readDatasetFile(dataset.source, { target: dataset.target, task: dataset.task, missing: [...(dataset.missing ?? [])] });
  const plan = planSplits(ds, { ...VALIDATION, holdout: 0.2 });
  const kept = rawRows(dataset.source)
    .map((r, i) => (r[dataset.target] === null || r[dataset.target] === undefined ? -1 : i))
    .filter((i) => i >= 0);
  expect(kept.length).toBe(ds.y.length);
  return { file: plan.test.map((t) => kept[t]), y: plan.test.map((t) => ds.y[t]) };
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-predict-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('cars.json: regression', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await sweep('cars-predict', CARS);
  });

  it("predicts every row of the file, in order; the test rows' MSE is best.json's test loss", async () => {
    const best = readBest(dir);
    const { rows, stderr } = predictCsv([dir, '--data', CARS.source]);
    const raw = rawRows(CARS.source);
    expect(rows).toHaveLength(raw.length); // 406: the 8 rows without a target are predicted too
    expect(Object.keys(rows[0])).toEqual(['prediction']);
    const p = rows.map((r) => Number(r.prediction));
    expect(p.every(Number.isFinite)).toBe(true);
    // rows with a missing horsepower are predicted, not dropped
    expect(raw.filter((r) => r.Horsepower === null).length).toBeGreaterThan(0);
    const test = await testRowsOfFile(CARS);
    const mse = test.file.reduce((s, r, i) => s + (p[r] - test.y[i]) ** 2, 0) / test.file.length;
    expect(Math.abs(mse - best.test.loss) / best.test.loss).toBeLessThan(1e-6);
    expect(stderr).toMatch(/note: cars\.json: columns the model does not use, ignored: "Name", "Miles_per_Gallon" \("Miles_per_Gallon" is the target\)/);
    expect(stderr).toMatch(/TensorFlow\.js backend: \w+/);
  });
});

describe('penguins.json: classification', () => {
  let dir: string;
  let best: BestRecord;
  let base: Record<string, string>[];
  beforeAll(async () => {
    dir = await sweep('penguins-predict', PENGUINS);
    best = readBest(dir);
    base = predictCsv([dir, '--data', PENGUINS.source]).rows;
  });

  it("names the class and gives each class's probability; the test rows' accuracy and loss are best.json's", async () => {
    expect(Object.keys(base[0])).toEqual(['prediction', 'p(Adelie)', 'p(Chinstrap)', 'p(Gentoo)']);
    expect(base).toHaveLength(344);
    for (const r of base) {
      const p = CLASSES.map((c) => Number(r[`p(${c})`]));
      expect(Math.abs(p.reduce((a, b) => a + b) - 1)).toBeLessThan(1e-5);
      expect(r.prediction).toBe(CLASSES[p.indexOf(Math.max(...p))]);
    }
    const test = await testRowsOfFile(PENGUINS);
    const hits = test.file.filter((r, i) => base[r].prediction === CLASSES[test.y[i]]).length;
    expect(hits / test.file.length).toBeCloseTo(best.test.accuracy!, 6);
    const loss = -test.file.reduce((s, r, i) => s + Math.log(Number(base[r][`p(${CLASSES[test.y[i]]})`])), 0) / test.file.length;
    expect(Math.abs(loss - best.test.loss) / best.test.loss).toBeLessThan(1e-6);
  });

  it('predicts a row with missing values and an unseen island, as worked by hand from the saved weights', () => {
    const row = {
      Species: 'Adelie',
      Island: 'Atlantis',
      'Beak Length (mm)': 41.5,
      'Beak Depth (mm)': null,
      'Flipper Length (mm)': 200,
      'Body Mass (g)': 4000,
      Sex: '.',
    };
    const { rows } = predictCsv([dir, '--data', write('one.jsonl', JSON.stringify(row) + '\n')]);
    expect(rows).toHaveLength(1);
    // The design by hand: the island one-hot all zeros (never seen), the beak depth its training mean plus its
    // indicator (if any), sex on its missing level; then standardized with best.json's statistics.
    const pre = best.preprocessing!;
    const depth = pre.columns.find((c) => c.name === 'Beak Depth (mm)') as { fill: number };
    const x: Record<string, number> = {
      'Beak Length (mm)': 41.5,
      'Beak Depth (mm)': depth.fill,
      'Beak Depth (mm) (missing)': 1,
      'Flipper Length (mm)': 200,
      'Body Mass (g)': 4000,
      'Sex (missing)': 1,
    };
    const z = pre.features.map(
      (f, j) =>
        ((x[f] ?? (f.startsWith('Island=') || f.startsWith('Sex=') || f.endsWith('(missing)') ? 0 : NaN)) - pre.standardizer.mean[j]) / pre.standardizer.std[j],
    );
    expect(z.every(Number.isFinite)).toBe(true);
    // One dense layer: kernel (features x 3) then bias (3), float32 in weights.bin.
    const bytes = fs.readFileSync(path.join(dir, 'best', 'weights.bin'));
    const w = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const k = CLASSES.length;
    expect(w.length).toBe(z.length * k + k);
    const logits = CLASSES.map((_, c) => z.reduce((s, zj, j) => s + zj * w[j * k + c], w[z.length * k + c]));
    const m = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - m));
    const probs = e.map((v) => v / e.reduce((a, b) => a + b));
    CLASSES.forEach((c, i) => expect(Math.abs(Number(rows[0][`p(${c})`]) - probs[i])).toBeLessThan(1e-6));
    expect(rows[0].prediction).toBe(CLASSES[probs.indexOf(Math.max(...probs))]);
  });

  it('matches columns by name: a semicolon CSV with the columns shuffled, and without the target, gives the same predictions', () => {
    const raw = rawRows(PENGUINS.source);
    const columns = ['Sex', 'Body Mass (g)', 'Island', 'Flipper Length (mm)', 'Beak Depth (mm)', 'Beak Length (mm)'];
    const csv = [columns.join(';'), ...raw.map((r) => columns.map((c) => (r[c] === null ? '' : String(r[c] as string | number))).join(';'))].join('\n') + '\n';
    const { rows, stderr } = predictCsv([dir, '--data', write('shuffled.csv', csv)]);
    expect(rows).toEqual(base);
    expect(stderr).not.toMatch(/ignored/);
  });

  it('--json writes one JSON object per row with the same values; --out writes the file', () => {
    const out = path.join(tmp, 'p.jsonl');
    const r = regsweep(['predict', dir, '--data', PENGUINS.source, '--json', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/344 predictions written to .*p\.jsonl/);
    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(344);
    lines.forEach((l, i) => {
      const o = JSON.parse(l) as Record<string, string | number>;
      expect(Object.keys(o)).toEqual(Object.keys(base[i]));
      expect(o.prediction).toBe(base[i].prediction);
      for (const c of CLASSES) expect(o[`p(${c})`]).toBe(Number(base[i][`p(${c})`]));
    });
  });

  it('refuses a file without a column the model uses, or with text in a numeric column: one line naming it, exit 2', () => {
    const noIsland = write('no-island.csv', 'Species,Beak Length (mm),Beak Depth (mm),Flipper Length (mm),Body Mass (g),Sex\nAdelie,39,18,181,3750,MALE\n');
    let r = regsweep(['predict', dir, '--data', noIsland]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('regsweep: error: no-island.csv: missing column "Island" that the model was trained on\n');
    const bad = write(
      'bad-cell.csv',
      'Island,Beak Length (mm),Beak Depth (mm),Flipper Length (mm),Body Mass (g),Sex\nDream,39,18,181,3750,MALE\nDream,39,18,181,heavy,MALE\n',
    );
    r = regsweep(['predict', dir, '--data', bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^regsweep: error: bad-cell\.csv row 2 \(line 3\).*Body Mass \(g\).*"heavy"/);
  });

  it('reads the sweep from its s3:// URI (--s3-endpoint) and predicts the same', async () => {
    const id = 'penguins-predict';
    await s3.store.putBytes(bestKey(id), fs.readFileSync(path.join(dir, 'best.json')));
    for (const f of ['model.json', 'weights.bin']) await s3.store.putBytes(`${bestPrefix(id)}${f}`, fs.readFileSync(path.join(dir, 'best', f)));
    const { rows } = predictCsv([`s3://${s3.bucket}/sweeps/${id}/`, '--s3-endpoint', s3.endpoint, '--data', PENGUINS.source]);
    expect(rows).toEqual(base);
  });
});

describe('two classes: one sigmoid output', () => {
  it("gives p(first) = 1 - p(second), predicts the second over 0.5; the test rows' accuracy and loss are best.json's", async () => {
    const source = write('adelie-gentoo.json', JSON.stringify(rawRows(PENGUINS.source).filter((r) => r.Species !== 'Chinstrap')));
    const dataset = { ...PENGUINS, source };
    const dir = await sweep('two-species', dataset);
    const best = readBest(dir);
    expect(best.model.outputActivation).toBe('sigmoid');
    const { rows } = predictCsv([dir, '--data', source]);
    expect(Object.keys(rows[0])).toEqual(['prediction', 'p(Adelie)', 'p(Gentoo)']);
    for (const r of rows) {
      expect(Math.abs(Number(r['p(Adelie)']) + Number(r['p(Gentoo)']) - 1)).toBeLessThan(1e-12);
      expect(r.prediction).toBe(Number(r['p(Gentoo)']) > 0.5 ? 'Gentoo' : 'Adelie');
    }
    const names = ['Adelie', 'Gentoo'];
    const test = await testRowsOfFile(dataset);
    const hits = test.file.filter((r, i) => rows[r].prediction === names[test.y[i]]).length;
    expect(hits / test.file.length).toBeCloseTo(best.test.accuracy!, 6);
    const loss = -test.file.reduce((s, r, i) => s + Math.log(Number(rows[r][`p(${names[test.y[i]]})`])), 0) / test.file.length;
    expect(Math.abs(loss - best.test.loss) / best.test.loss).toBeLessThan(1e-6);
  });
});
