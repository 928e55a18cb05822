/**
 * bench:linear: a linear sweep on diabetes (l1, l2, elasticnet; the default 100-lambda path each; 5 folds:
 * 1,500 trials + the 5 of the unregularized baseline; selection min) through `regsweep local` as a whole process,
 * next to scikit-learn's RidgeCV + LassoCV + ElasticNetCV (100 alphas, 5-fold; bench/python/linear_cv.py) as a
 * whole process, on the same rows: regsweep's own split (planSplits with the spec's seed) is handed to Python as
 * row indexes, so both use the same test rows and the same five folds. Runs alternate; medians. Goal (issue #13):
 * wall ratio regsweep / scikit-learn <= 1.0 and the chosen model's test MSE within 2% of scikit-learn's.
 *
 * Where regsweep's seconds go, from its stderr lines: spawn -> first line (node start, imports, spec and dataset
 * checks), -> first progress line (harness start, upload, plan, the first 100 trials), -> all trials done, ->
 * exit (aggregate, refit, export of the sweep's objects, report).
 *
 * Usage: npm run bench:linear [-- --reps 3 --workers 2]
 * Needs /usr/bin/python3 with Debian's python3-sklearn (apt-get install python3-sklearn).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { arg, emit, note, REPO, run, tempDir } from './lib/cli';
import { machine, machineLine } from './lib/machine';
import { runCli, type CliRun } from './lib/regsweep-cli';
import { median, round, since } from './lib/stats';
import { readDatasetFile } from '../shared/data/parse';
import { planSplits, splitOptions } from '../shared/data/splits';
import { parseSpec } from '../shared/search/spec';

const PYTHON = '/usr/bin/python3';

interface SklearnRun {
  readonly wallS: number;
  readonly best: string;
  readonly testMse: number;
  readonly fits: Record<string, { seconds: number; alpha: number; cvMse: number; testMse: number; nonZero: number }>;
  readonly seconds: { import: number; read: number; fits: number; total: number };
}

function runSklearn(requestFile: string): SklearnRun {
  const t0 = performance.now();
  const r = spawnSync(PYTHON, [path.join(__dirname, 'python', 'linear_cv.py'), requestFile], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_CORETYPE: '', OPENBLAS_L2_SIZE: '' },
  });
  const wallS = since(t0) / 1000;
  if (r.status !== 0) throw new Error(`linear_cv.py exited ${r.status}:\n${r.stderr}`);
  return { wallS, ...(JSON.parse(r.stdout) as Omit<SklearnRun, 'wallS'>) };
}

/** The phases of a run, in seconds, from its stderr lines. */
function phases(r: CliRun) {
  const first = r.firstLineS ?? NaN;
  const progress = r.firstProgressS ?? NaN;
  const done = r.trialsDoneS ?? NaN;
  return { startup: first, toFirstProgress: progress - first, trials: done - progress, afterTrials: r.wallS - done };
}

const medianOf = <T>(xs: readonly T[], f: (x: T) => number) => median(xs.map(f));

async function main() {
  const reps = Number(arg('reps', '3'));
  const workers = arg('workers', '');
  const m0 = machine();
  note(machineLine(m0));

  const dataFile = path.join(REPO, 'examples', 'data', 'diabetes.csv');
  const spec = {
    dataset: { source: dataFile, target: 'progression', task: 'regression' },
    model: { hidden: [] },
    validation: { folds: 5, testFraction: 0.2, seed: 42 },
    search: { types: ['l1', 'l2', 'elasticnet'], l1Ratio: 0.5 },
    selection: { rule: 'min' },
  };
  const parsed = parseSpec(spec);
  const ds = await readDatasetFile(dataFile, { target: 'progression', task: 'regression' });
  const split = planSplits(ds, splitOptions(parsed));

  const dir = tempDir('linear');
  const specFile = path.join(dir, 'linear.json');
  fs.writeFileSync(specFile, JSON.stringify(spec, null, 2));
  const requestFile = path.join(dir, 'request.json');
  fs.writeFileSync(
    requestFile,
    JSON.stringify({
      csv: dataFile,
      target: 'progression',
      test: split.test,
      folds: split.folds.map((f) => [f.train, f.validation]),
      alphas: 100,
      l1Ratio: 0.5,
    }),
  );
  let i = 0;
  const args = (extra: string[] = []) => [
    'local',
    '--spec',
    specFile,
    '--json',
    '--out',
    path.join(dir, `out-${i++}`),
    ...(workers ? ['--workers', workers] : []),
    ...extra,
  ];

  try {
    note('warm-up: regsweep (synthesizes the stack if the cache is cold) and scikit-learn...');
    const warm = await runCli(args());
    note(
      `  regsweep ${round(warm.wallS, 2)} s${warm.synthesized ? ' (cold: synthesized the stack)' : ''}; scikit-learn ${round(runSklearn(requestFile).wallS, 2)} s`,
    );
    const ours: CliRun[] = [];
    const theirs: SklearnRun[] = [];
    for (let rep = 0; ours.length < reps && rep < reps + 3; rep++) {
      const r = await runCli(args());
      const p = runSklearn(requestFile);
      note(
        `  rep ${rep + 1}: regsweep ${round(r.wallS, 2)} s (trials done at ${round(r.trialsDoneS ?? NaN, 2)} s), scikit-learn ${round(p.wallS, 2)} s; others ${round(r.otherCores, 2)} cores`,
      );
      if (r.synthesized) {
        note('  (the cache missed: sources were edited meanwhile; not counted)');
        continue;
      }
      ours.push(r);
      theirs.push(p);
    }
    const wall = medianOf(ours, (r) => r.wallS);
    const skWall = medianOf(theirs, (r) => r.wallS);
    const ph = phases(ours[ours.length - 1]);
    const phMedian = {
      startup: medianOf(ours, (r) => phases(r).startup),
      toFirstProgress: medianOf(ours, (r) => phases(r).toFirstProgress),
      trials: medianOf(ours, (r) => phases(r).trials),
      afterTrials: medianOf(ours, (r) => phases(r).afterTrials),
    };
    const last = ours[ours.length - 1].summary;
    const sk = theirs[theirs.length - 1];
    const mseDiff = last.test.loss / sk.testMse - 1;
    const m1 = machine();
    emit(
      [
        `bench:linear: diabetes, l1 + l2 + elasticnet x 100 lambda x 5 folds (${last.trials.planned} trials), selection min, ${workers || m1.nproc} workers, warm cache`,
        `${machineLine(m1)}; load average before: ${m0.load.load1}; other jobs used ${ours.map((r) => round(r.otherCores, 2)).join(', ')} cores during the regsweep runs`,
        `  regsweep local ${round(wall, 2)} s (median of ${ours.length}: ${ours.map((r) => round(r.wallS, 2)).join(', ')}); scikit-learn ${round(skWall, 2)} s (${theirs.map((r) => round(r.wallS, 2)).join(', ')}); ratio ${round(wall / skWall, 2)}x; target <= 1.0: ${wall <= skWall ? 'met' : 'MISSED'}`,
        `  regsweep's seconds (medians): start-up to the first line ${round(phMedian.startup, 2)}; harness start + plan + first 100 trials ${round(phMedian.toFirstProgress, 2)}; the other trials ${round(phMedian.trials, 2)}; aggregate + refit + export + report ${round(phMedian.afterTrials, 2)}`,
        `  scikit-learn's seconds (last run): import ${round(sk.seconds.import, 2)}, read ${round(sk.seconds.read, 3)}, fits ${Object.entries(sk.fits)
          .map(([k, f]) => `${k} ${round(f.seconds, 2)}`)
          .join(', ')}; process ${round(sk.wallS, 2)}`,
        `  test MSE: regsweep ${round(last.test.loss, 1)} (${last.best.label}) vs scikit-learn ${round(sk.testMse, 1)} (${sk.best}, alpha ${round(sk.fits[sk.best].alpha, 4)}); difference ${round(100 * mseDiff, 2)}%; target within 2%: ${Math.abs(mseDiff) <= 0.02 ? 'met' : 'MISSED'}`,
        `  scikit-learn per model, test MSE: ${Object.entries(sk.fits)
          .map(([k, f]) => `${k} ${round(f.testMse, 1)} (cv ${round(f.cvMse, 1)})`)
          .join(', ')}; regsweep best mean validation MSE ${round(last.best.meanValLoss, 1)}`,
        ours.some((r) => r.otherCores > 0.5) ? 'NOTE: other jobs took more than half a core during some runs; those figures are pessimistic.' : '',
      ].filter(Boolean),
      {
        bench: 'linear',
        trials: last.trials.planned,
        wallS: round(wall, 3),
        wallRunsS: ours.map((r) => round(r.wallS, 3)),
        sklearnWallS: round(skWall, 3),
        sklearnRunsS: theirs.map((r) => round(r.wallS, 3)),
        ratio: round(wall / skWall, 3),
        phasesS: Object.fromEntries(Object.entries(phMedian).map(([k, v]) => [k, round(v, 3)])),
        lastPhasesS: Object.fromEntries(Object.entries(ph).map(([k, v]) => [k, round(v, 3)])),
        sklearnSeconds: sk.seconds,
        testMse: round(last.test.loss, 2),
        sklearnTestMse: round(sk.testMse, 2),
        mseDiffPct: round(100 * mseDiff, 3),
        best: last.best.label,
        sklearnBest: sk.best,
        sklearnFits: sk.fits,
        otherCores: ours.map((r) => round(r.otherCores, 2)),
        machine: m1,
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

run(main);
