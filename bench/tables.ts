/**
 * bench:tables — real tables with text, dates, categories, missing values and string labels (examples/data:
 * cars.json, penguins.json), run through `regsweep local --spec` with no preprocessing by hand, against a
 * scikit-learn pipeline (SimpleImputer + OneHotEncoder + StandardScaler + RidgeCV / LogisticRegressionCV / an MLP
 * with an alpha grid, bench/python/tables.py) on the same rows: each table gets a `split` column (a seeded 80/20
 * train/test permutation), so both cross-validate on the same training rows and are tested once on the same
 * test rows. scikit-learn gets regsweep's column roles (leaderboard.json `data.columns`) so both encode the same
 * columns the same way: the comparison is of the models and their selection, not of role inference.
 *
 *   npx tsx bench/tables.ts [--models linear,mlp]      (needs /usr/bin/python3 with Debian's python3-sklearn)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSweep } from '../cli/sweep-files';
import { createRng, permutation } from '../shared/util/random';
import { arg, emit, note, REPO, run, tempDir } from './lib/cli';

interface Table {
  readonly file: string;
  readonly target: string;
  readonly task: 'regression' | 'classification';
  readonly missing?: string[];
}
const TABLES: Record<string, Table> = {
  cars: { file: 'cars.json', target: 'Miles_per_Gallon', task: 'regression' },
  penguins: { file: 'penguins.json', target: 'Species', task: 'classification', missing: ['.'] },
};
const MODELS: Record<string, { hidden: number[]; types: Record<Table['task'], string[]> }> = {
  linear: { hidden: [], types: { regression: ['l1', 'l2', 'elasticnet'], classification: ['l1', 'l2'] } },
  mlp: { hidden: [64, 64], types: { regression: ['l2', 'dropout'], classification: ['l2', 'dropout'] } },
};
const SEED = 0;

/** The table as a JSON array with a `split` column: a seeded 80/20 permutation, the same for both sides. */
function withSplit(table: Table, dir: string): string {
  const rows = JSON.parse(fs.readFileSync(path.join(REPO, 'examples', 'data', table.file), 'utf8')) as Record<string, unknown>[];
  const perm = permutation(rows.length, createRng(SEED));
  const test = new Set(perm.slice(0, Math.round(0.2 * rows.length)));
  const file = path.join(dir, table.file);
  fs.writeFileSync(file, JSON.stringify(rows.map((r, i) => ({ ...r, split: test.has(i) ? 'test' : 'train' }))));
  return file;
}

interface Score {
  readonly label: string;
  readonly seconds: number;
  readonly mse?: number;
  readonly r2?: number;
  readonly accuracy?: number;
  readonly logLoss?: number;
}

async function regsweep(name: string, table: Table, model: string, data: string, dir: string): Promise<{ score: Score; roles: Record<string, string> }> {
  const m = MODELS[model];
  const spec = {
    dataset: { source: data, target: table.target, task: table.task, ...(table.missing ? { missing: table.missing } : {}) },
    model: { hidden: m.hidden },
    search: { types: m.types[table.task] },
  };
  const specFile = path.join(dir, `${name}-${model}.json`);
  fs.writeFileSync(specFile, JSON.stringify(spec));
  const out = path.join(dir, 'out');
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'regsweep.js'), 'local', '--spec', specFile, '--out', out, '--json'], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const seconds = (Date.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`regsweep local on ${name} (${model}) exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const { sweepId } = JSON.parse(r.stdout) as { sweepId: string };
  const { leaderboard, best } = await loadSweep(path.join(out, sweepId));
  if (!best) throw new Error(`${name} (${model}): no best.json`);
  const roles = Object.fromEntries((leaderboard.data?.columns ?? []).map((c) => [c.name, c.role.replace(/ \(declared\)$/, '')]));
  const t = best.test;
  const score: Score =
    table.task === 'regression'
      ? { label: best.label, seconds, mse: t.loss, r2: t.r2 ?? undefined }
      : { label: best.label, seconds, accuracy: t.accuracy ?? undefined, logLoss: t.loss };
  return { score, roles };
}

function sklearn(table: Table, model: string, data: string, roles: Record<string, string>): Score {
  const input = JSON.stringify({ data, target: table.target, task: table.task, missing: table.missing ?? [], roles, model });
  const started = Date.now();
  const r = spawnSync('/usr/bin/python3', [path.join(__dirname, 'python', 'tables.py')], { input, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bench/python/tables.py failed (${r.status}); needs apt-get install python3-sklearn: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as Omit<Score, 'seconds'>), seconds: (Date.now() - started) / 1000 };
}

const f = (v: number | undefined, digits = 3) => (v === undefined ? '-' : v.toFixed(digits));

async function main(): Promise<void> {
  const models = arg('models', 'linear,mlp').split(',');
  for (const m of models) if (!MODELS[m]) throw new Error(`--models: unknown ${m}; use ${Object.keys(MODELS).join(', ')}`);
  const dir = tempDir('tables');
  const rows: { table: string; model: string; regsweep: Score; sklearn: Score }[] = [];
  try {
    for (const [name, table] of Object.entries(TABLES)) {
      const data = withSplit(table, dir);
      for (const model of models) {
        note(`${name} / ${model} ...`);
        const ours = await regsweep(name, table, model, data, dir);
        rows.push({ table: name, model, regsweep: ours.score, sklearn: sklearn(table, model, data, ours.roles) });
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const lines = [
    '| table | model | regsweep chose | test (regsweep) | scikit-learn chose | test (scikit-learn) | ratio | s (regsweep / sklearn) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(({ table, model, regsweep: a, sklearn: b }) => {
      const reg = a.mse !== undefined;
      const show = (s: Score) => (reg ? `MSE ${f(s.mse)}, R² ${f(s.r2)}` : `accuracy ${f(s.accuracy)}, log loss ${f(s.logLoss, 4)}`);
      const ratio = reg ? `MSE ${f(a.mse / b.mse!)}` : `log loss ${f(a.logLoss! / b.logLoss!)}`;
      return `| ${table} | ${model} | ${a.label} | ${show(a)} | ${b.label} | ${show(b)} | ${ratio} | ${a.seconds.toFixed(1)} / ${b.seconds.toFixed(1)} |`;
    }),
  ];
  emit(lines, { bench: 'tables', rows });
}

run(main);
