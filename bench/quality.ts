/**
 * bench:quality — does an out-of-the-box sweep (dataset, model and types only: no λ, no training settings) give
 * a good answer? On the peers' exact rows (../shared/peers: numpy RandomState(0) 60/20/20 split), each dataset
 * runs through `regsweep local` as a whole process, once with a linear model and once with the default MLP, and
 * its test score is compared with the best peer's on the same test rows (../shared/peers/results.json).
 *
 * regsweep cross-validates (5 folds by default) on the peers' train + validation rows, as the peers' *CV
 * estimators do, and is tested once on the peers' test rows (`split` column: train / test).
 *
 * Goals (issue #14): MSE within 2% of the best peer; accuracy at least the best peer's minus one test row; log
 * loss within 1.25x the best peer's.
 *
 *   npx tsx bench/quality.ts [--datasets diabetes,breast_cancer,sparse_regression] [--models linear,mlp] [--keep]
 *
 * --keep leaves the sweeps' stores (every trial record) in the temporary directory it names, for a look at why.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { arg, emit, flag, note, REPO, run, tempDir } from './lib/cli';
import { peerSplit } from './lib/numpy-split';

const SHARED = path.resolve(REPO, '..', 'shared');
const DATASETS = path.join(SHARED, 'datasets');
const PEERS = path.join(SHARED, 'peers', 'results.json');

interface DatasetInfo {
  readonly file: string;
  readonly target: string;
  readonly task: 'regression' | 'classification';
}
const INFO: Record<string, DatasetInfo> = {
  diabetes: { file: 'diabetes.csv', target: 'progression', task: 'regression' },
  breast_cancer: { file: 'breast_cancer.csv', target: 'malignant', task: 'classification' },
  sparse_regression: { file: 'sparse_regression.csv', target: 'y', task: 'regression' },
};
const MODELS: Record<string, { hidden?: number[]; types: string[] }> = {
  linear: { hidden: [], types: ['l1', 'l2', 'elasticnet'] },
  mlp: { types: ['l1', 'l2', 'elasticnet', 'dropout'] },
};

interface Score {
  mse?: number;
  r2?: number;
  accuracy?: number;
  log_loss?: number;
}
interface Peer {
  readonly name: string;
  readonly test: Score;
}

/**
 * Entries of results.json that are not peers. `mlp_sklearn_raw_target` is a control run: it trains on the raw
 * target, against the peers' protocol (results.json meta.scaling: NN regressors on the standardized target), and
 * ../shared/peers/README.md leaves it out of its table. On diabetes its test MSE (2574) is luck a selection could
 * not see: its validation MSE (3597) is 24% worse than the linear peers' (2902), and every one of its alphas
 * scores within 0.3% of the others on the test rows.
 */
const NOT_PEERS = new Set(['mlp_sklearn_raw_target']);

/** Every peer entry of a dataset that has a test score. */
function peersOf(dataset: string): Peer[] {
  const all = JSON.parse(fs.readFileSync(PEERS, 'utf8')) as Record<string, Record<string, unknown>>;
  return Object.entries(all[dataset])
    .filter((e): e is [string, { test: Score }] => typeof e[1] === 'object' && e[1] !== null && 'test' in e[1] && !NOT_PEERS.has(e[0]))
    .map(([name, v]) => ({ name, test: v.test }));
}

function best(peers: Peer[], key: keyof Score, lower: boolean): { name: string; value: number } {
  const scored = peers.filter((p) => typeof p.test[key] === 'number');
  const top = scored.reduce((a, b) => ((lower ? b.test[key]! < a.test[key]! : b.test[key]! > a.test[key]!) ? b : a));
  return { name: top.name, value: top.test[key]! };
}

/**
 * The dataset with a `split` column (the peers' train and validation rows as train, their test rows as test),
 * and the test rows' targets.
 */
function withSplit(info: DatasetInfo, dir: string): { file: string; testTargets: number[] } {
  const lines = fs.readFileSync(path.join(DATASETS, info.file), 'utf8').trimEnd().split('\n');
  const labels = peerSplit(lines.length - 1);
  const out = [`${lines[0]},split`, ...lines.slice(1).map((l, i) => `${l},${labels[i] === 'test' ? 'test' : 'train'}`)];
  const file = path.join(dir, info.file);
  fs.writeFileSync(file, out.join('\n') + '\n');
  const column = lines[0].split(',').indexOf(info.target);
  const testTargets = lines.slice(1).flatMap((l, i) => (labels[i] === 'test' ? [Number(l.split(',')[column])] : []));
  return { file, testTargets };
}

/**
 * The test loss must be the MSE in the target's units: then R² = 1 - MSE / (population variance of the test
 * targets), the peers' (scikit-learn's r2_score) definition. A loss on the standardized target, or a mean of
 * squared errors over the wrong rows, fails this.
 */
function checkMse(test: SweepResult['test'], targets: number[]): void {
  const mean = targets.reduce((a, b) => a + b, 0) / targets.length;
  const variance = targets.reduce((a, b) => a + (b - mean) ** 2, 0) / targets.length;
  const r2 = 1 - test.loss / variance;
  if (test.rows !== targets.length || test.r2 === undefined || Math.abs(test.r2 - r2) > 1e-4) {
    throw new Error(`test loss ${test.loss} on ${test.rows} rows is not the MSE of R² ${test.r2} on the ${targets.length} test rows (expected R² ${r2})`);
  }
}

interface SweepResult {
  readonly seconds: number;
  readonly label: string;
  readonly test: { loss: number; r2?: number; accuracy?: number; rows: number };
  readonly diagnostics: { code: string }[];
  readonly planned: number;
}

function sweep(dataset: string, model: string, dir: string): SweepResult {
  const info = INFO[dataset];
  const m = MODELS[model];
  const data = withSplit(info, dir);
  const spec = {
    dataset: { source: data.file, target: info.target, task: info.task },
    ...(m.hidden ? { model: { hidden: m.hidden } } : {}),
    search: { types: m.types },
  };
  const specFile = path.join(dir, `${dataset}-${model}.json`);
  fs.writeFileSync(specFile, JSON.stringify(spec, null, 2));
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [path.join(REPO, 'bin', 'regsweep.js'), 'local', '--spec', specFile, '--out', path.join(dir, `out-${dataset}-${model}`), '--json'],
    {
      cwd: REPO,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const seconds = (Date.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`regsweep local on ${dataset} (${model}) exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const out = JSON.parse(r.stdout) as { best: { label: string }; test: SweepResult['test']; diagnostics: { code: string }[]; trials: { planned: number } };
  if (info.task === 'regression') checkMse(out.test, data.testTargets);
  else if (out.test.rows !== data.testTargets.length) throw new Error(`tested on ${out.test.rows} rows, not the peers' ${data.testTargets.length}`);
  return { seconds, label: out.best.label, test: out.test, diagnostics: out.diagnostics, planned: out.trials.planned };
}

interface Row {
  dataset: string;
  model: string;
  chosen: string;
  trials: number;
  seconds: number;
  metric: string;
  ours: number;
  peer: string;
  peerValue: number;
  ratio: number;
  goal: string;
  met: boolean;
  diagnostics: string[];
}

function compare(dataset: string, model: string, r: SweepResult): Row[] {
  const info = INFO[dataset];
  const peers = peersOf(dataset);
  const common = { dataset, model, chosen: r.label, trials: r.planned, seconds: r.seconds, diagnostics: r.diagnostics.map((d) => d.code) };
  if (info.task === 'regression') {
    const p = best(peers, 'mse', true);
    const ratio = r.test.loss / p.value;
    return [{ ...common, metric: 'test MSE', ours: r.test.loss, peer: p.name, peerValue: p.value, ratio, goal: '<= 1.02x', met: ratio <= 1.02 }];
  }
  const acc = best(peers, 'accuracy', false);
  const ll = best(peers, 'log_loss', true);
  const ours = r.test.accuracy ?? NaN;
  // In rows: regsweep's accuracy is a float32 mean (114/115 is 0.99130434 there, 0.9913043478 in float64).
  const correct = (accuracy: number) => Math.round(accuracy * r.test.rows);
  return [
    {
      ...common,
      metric: 'test accuracy',
      ours,
      peer: acc.name,
      peerValue: acc.value,
      ratio: ours / acc.value,
      goal: '>= best - 1 row',
      met: correct(ours) >= correct(acc.value) - 1,
    },
    {
      ...common,
      metric: 'test log loss',
      ours: r.test.loss,
      peer: ll.name,
      peerValue: ll.value,
      ratio: r.test.loss / ll.value,
      goal: '<= 1.25x',
      met: r.test.loss <= 1.25 * ll.value,
    },
  ];
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toFixed(4));

function main(): Promise<void> {
  const datasets = arg('datasets', Object.keys(INFO).join(',')).split(',');
  const models = arg('models', Object.keys(MODELS).join(',')).split(',');
  for (const d of datasets) if (!INFO[d]) throw new Error(`--datasets: unknown ${d}; use ${Object.keys(INFO).join(', ')}`);
  for (const m of models) if (!MODELS[m]) throw new Error(`--models: unknown ${m}; use ${Object.keys(MODELS).join(', ')}`);
  const dir = tempDir('quality');
  const rows: Row[] = [];
  try {
    for (const d of datasets) {
      for (const m of models) {
        note(`${d} / ${m} ...`);
        const r = sweep(d, m, dir);
        rows.push(...compare(d, m, r));
      }
    }
  } finally {
    if (flag('keep')) note(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  const lines = [
    '| dataset | model | regsweep chose | trials | s | metric | regsweep | best peer | peer | ratio | goal | met | diagnostics |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.dataset} | ${r.model} | ${r.chosen} | ${r.trials} | ${r.seconds.toFixed(1)} | ${r.metric} | ${fmt(r.ours)} | ${r.peer} | ${fmt(r.peerValue)} | ${r.ratio.toFixed(3)} | ${r.goal} | ${r.met ? 'yes' : 'NO'} | ${r.diagnostics.join(', ') || '-'} |`,
    ),
  ];
  emit(lines, { bench: 'quality', rows });
  return Promise.resolve();
}

run(main);
