/**
 * Real public tables through `regsweep local`, with no preprocessing by hand (issue #15): cars.json (a JSON array
 * with a name column, a date column, a categorical origin and missing values, 8 rows without a target) and
 * penguins.json (string species labels, categorical island and sex with nulls and "." for unknown). Linear models
 * and 2 folds keep the sweeps small.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSweep, type SweepData } from '../../cli/sweep-files';
import { readDatasetFile } from '../../shared/data/parse';
import { planSplits } from '../../shared/data/splits';
import { regsweep } from '../support/cli';
import { DATA_DIR } from '../support/tf';

jest.setTimeout(300_000);

const VALIDATION = { folds: 2, testFraction: 0.2, seed: 3 };
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-tables-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Run a small linear sweep on an example table; its exported results and what it printed. */
async function sweep(sweepId: string, dataset: Record<string, unknown>): Promise<{ data: SweepData; stdout: string; stderr: string }> {
  const spec = {
    sweepId,
    dataset,
    model: { hidden: [] },
    validation: VALIDATION,
    search: { types: ['none', 'l2'], lambda: [1, 10] },
  };
  const file = path.join(tmp, `${sweepId}.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  const out = path.join(tmp, 'out');
  const r = regsweep(['local', '--spec', file, '--out', out, '--workers', '2'], { timeout: 280_000 });
  if (r.code !== 0) throw new Error(`regsweep local exited ${r.code}: ${r.stderr}`);
  return { data: await loadSweep(path.join(out, sweepId), {}), stdout: r.stdout, stderr: r.stderr };
}

describe('cars.json: regression on a JSON array with text, a date, a category and missing values', () => {
  let run: Awaited<ReturnType<typeof sweep>>;
  beforeAll(async () => {
    run = await sweep('cars-tables', { source: path.join(DATA_DIR, 'cars.json'), target: 'Miles_per_Gallon', task: 'regression' });
  });

  it('shows each column role before the sweep runs, and the rows without a target it dropped', () => {
    const progress = run.stderr.search(/trials \d+\/\d+ done/);
    expect(progress).toBeGreaterThan(0);
    const before = run.stderr.slice(0, progress);
    expect(before).toMatch(/Name\s+text\s+dropped: free text: \d+ distinct values, over 50/);
    expect(before).toMatch(/Horsepower\s+numeric\s+kept; \d+ missing imputed \(mean\) \+ indicator/);
    expect(before).toMatch(/Year\s+date\s+days since 1970-01-01/);
    expect(before).toMatch(/Origin\s+categorical\s+one-hot 3 levels/);
    expect(before).toMatch(/8 rows without a value of the target "Miles_per_Gallon" dropped/);
  });

  it('keeps the roles in the leaderboard and the whole preprocessing in best.json, fitted on the training rows only', async () => {
    const { leaderboard, best } = run.data;
    expect(leaderboard.data?.rows).toBe(398);
    expect(leaderboard.data?.droppedRows).toBe(8);
    expect(leaderboard.data?.columns.map((c) => c.role)).toEqual(['text', 'numeric', 'numeric', 'numeric', 'numeric', 'numeric', 'date', 'categorical']);
    const pre = best!.preprocessing!;
    expect(pre.features).toEqual([
      'Cylinders',
      'Displacement',
      'Horsepower',
      'Horsepower (missing)',
      'Weight_in_lbs',
      'Acceleration',
      'Year (days since 1970-01-01)',
      'Origin=Europe',
      'Origin=Japan',
      'Origin=USA',
    ]);
    // The refit trains on the non-test rows: its imputed horsepower is their mean, not every row's.
    const ds = await readDatasetFile(path.join(DATA_DIR, 'cars.json'), { target: 'Miles_per_Gallon', task: 'regression' });
    const plan = planSplits(ds, { ...VALIDATION, holdout: 0.2 });
    const hp = ds.columns.find((c) => c.name === 'Horsepower')!.values as Float64Array;
    const meanOf = (rows: number[]) => {
      const v = rows.map((r) => hp[r]).filter((x) => !Number.isNaN(x));
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    const fill = pre.columns.find((c) => c.name === 'Horsepower');
    expect(fill).toMatchObject({ role: 'numeric', indicator: true });
    expect((fill as { fill: number }).fill).toBeCloseTo(meanOf(plan.trainval), 9);
    expect(Math.abs((fill as { fill: number }).fill - meanOf(ds.y.map((_, i) => i)))).toBeGreaterThan(1e-6);
    expect(best!.test.r2).toBeGreaterThan(0.7);
  });

  it('shows the data section in the report', () => {
    const html = fs.readFileSync(path.join(tmp, 'out', 'cars-tables', 'report.html'), 'utf8');
    expect(html).toContain('<section id="data">');
    expect(html).toMatch(/<th>Origin<\/th><td>categorical<\/td><td>one-hot 3 levels<\/td>/);
  });
});

describe('penguins.json: classification with string labels, categories and "." as missing', () => {
  let run: Awaited<ReturnType<typeof sweep>>;
  beforeAll(async () => {
    run = await sweep('penguins-tables', { source: path.join(DATA_DIR, 'penguins.json'), target: 'Species', task: 'classification', missing: ['.'] });
  });

  it('keeps the class names in the leaderboard, best.json, the summary and the report', () => {
    const names = ['Adelie', 'Chinstrap', 'Gentoo'];
    expect(run.data.leaderboard.data?.classNames).toEqual(names);
    expect(run.data.best?.classNames).toEqual(names);
    expect(run.data.best?.classes).toBe(3);
    expect(run.stdout).toMatch(/classes:\s+Adelie, Chinstrap, Gentoo/);
    const html = fs.readFileSync(path.join(tmp, 'out', 'penguins-tables', 'report.html'), 'utf8');
    expect(html).toContain('Classes: <code>Adelie</code>, <code>Chinstrap</code>, <code>Gentoo</code>');
  });

  it('one-hot encodes island and sex, with a missing level for sex (nulls and ".")', () => {
    const pre = run.data.best!.preprocessing!;
    expect(pre.missing).toEqual(['.']);
    expect(pre.features.filter((f) => f.startsWith('Island=') || f.startsWith('Sex'))).toEqual([
      'Island=Biscoe',
      'Island=Dream',
      'Island=Torgersen',
      'Sex=FEMALE',
      'Sex=MALE',
      'Sex (missing)',
    ]);
    expect(run.data.best!.test.accuracy).toBeGreaterThan(0.9);
  });
});
