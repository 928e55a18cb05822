/**
 * Trainer benchmark: ms per epoch of the MLP 10 -> 64 ReLU -> 64 ReLU -> 1 with dropout 0.2 after each ReLU and
 * L2 (lambda 1), Adam lr 1e-3, batch 32, 200 epochs, on diabetes.csv with `regsweep train`'s default holdout (354
 * training rows, 88 validation rows; 12 steps an epoch), side by side in one run:
 *   regsweep: `node bin/regsweep.js train ... --patience 0 --json`, a fresh process per run; the trial record's
 *             durationMs (fit + per-epoch evaluation of the training and validation loss + final metrics) / epochs;
 *   PyTorch:  bench/python/trainer.py on the same standardized rows, one thread, a fresh process per run; its fit
 *             (model creation to the last epoch's evaluation, per-epoch evaluation included) / epochs.
 * Runs alternate, so a change of load hits both. Prints the medians, the ratio regsweep / PyTorch (per pair and
 * the median of those) and the final losses (a sanity check that both trained the same model, not a target).
 * Needs /usr/bin/python3 with Debian's python3-torch (apt-get install python3-torch).
 * Usage: npm run bench:trainer [-- --reps 5 --epochs 200 --no-torch]
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { readDatasetFile } from '../shared/data/parse';
import { holdoutSplit } from '../shared/data/splits';
import { fitPreprocessor, transformRows } from '../shared/data/preprocess';
import { selectTargets } from '../shared/data/standardize';
import { arg, emit, flag, note, REPO, run } from './lib/cli';
import { machine, machineLine, otherLoadMeter, type OtherLoad } from './lib/machine';
import { median, round } from './lib/stats';

const DATA = path.join(REPO, 'examples', 'data', 'diabetes.csv');
const TARGET = 'progression';
const SEED = 42; // regsweep train's default seed, which also draws its holdout
const HOLDOUT = 0.2;
const SETTINGS = { hidden: [64, 64], dropout: 0.2, lambda: 1, batchSize: 32, learningRate: 1e-3 };

interface Run {
  readonly msPerEpoch: number;
  /** CPU ms per epoch (PyTorch's process time during the fit; less sensitive to other jobs than wall time). */
  readonly cpuMsPerEpoch?: number;
  readonly trainLoss: number;
  readonly valLoss: number;
  readonly other?: OtherLoad;
}

function regsweepRun(epochs: number): Run {
  const meter = otherLoadMeter();
  const r = spawnSync(
    process.execPath,
    [
      path.join(REPO, 'bin', 'regsweep.js'),
      'train',
      ...['--data', DATA, '--target', TARGET, '--reg', 'l2+dropout', '--lambda', String(SETTINGS.lambda)],
      ...['--dropout', String(SETTINGS.dropout), '--hidden', SETTINGS.hidden.join(','), '--epochs', String(epochs)],
      ...['--batch-size', String(SETTINGS.batchSize), '--learning-rate', String(SETTINGS.learningRate)],
      ...['--patience', '0', '--seed', String(SEED), '--holdout', String(HOLDOUT), '--json'],
    ],
    { cwd: REPO, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`regsweep train failed (${r.status}): ${r.stderr}`);
  const record = JSON.parse(r.stdout) as { durationMs: number; epochsRun: number; curves: { trainLoss: number[]; valLoss: number[] } };
  return {
    msPerEpoch: record.durationMs / record.epochsRun,
    trainLoss: record.curves.trainLoss.at(-1)!,
    valLoss: record.curves.valLoss.at(-1)!,
    other: meter(),
  };
}

function torchRun(input: string): Run {
  const meter = otherLoadMeter();
  const r = spawnSync('/usr/bin/python3', [path.join(__dirname, 'python', 'trainer.py')], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/python/trainer.py failed (${r.status}); needs apt-get install python3-torch: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { msPerEpoch: number; cpuMs: number; epochs: number; trainLoss: number; valLoss: number };
  return { msPerEpoch: out.msPerEpoch, cpuMsPerEpoch: out.cpuMs / out.epochs, trainLoss: out.trainLoss, valLoss: out.valLoss, other: meter() };
}

async function main() {
  const reps = Number(arg('reps', '5'));
  const epochs = Number(arg('epochs', '200'));
  const withTorch = !flag('no-torch');
  const m = machine();
  note(machineLine(m));
  const ds = await readDatasetFile(DATA, { target: TARGET, task: 'regression' });
  const split = holdoutSplit(ds, HOLDOUT, SEED);
  const pre = fitPreprocessor(ds, split.train);
  const d = pre.features.length;
  const rowsOf = (x: Float32Array) => Array.from({ length: x.length / d }, (_, i) => Array.from(x.subarray(i * d, (i + 1) * d)));
  const input = JSON.stringify({
    xTrain: rowsOf(transformRows(pre, ds, split.train)),
    yTrain: Array.from(selectTargets(ds.y, split.train)),
    xVal: rowsOf(transformRows(pre, ds, split.validation)),
    yVal: Array.from(selectTargets(ds.y, split.validation)),
    ...SETTINGS,
    epochs,
    seed: SEED,
  });

  const ours: Run[] = [];
  const torch: Run[] = [];
  for (let r = 0; r < reps; r++) {
    ours.push(regsweepRun(epochs));
    if (withTorch) torch.push(torchRun(input));
    note(
      `run ${r + 1}/${reps}: regsweep ${round(ours[r].msPerEpoch, 2)} ms/epoch` +
        (withTorch ? `, PyTorch ${round(torch[r].msPerEpoch, 2)} ms/epoch` : '') +
        `; other jobs ${ours[r].other?.otherCores ?? '?'} core`,
    );
  }
  const oursMs = median(ours.map((r) => r.msPerEpoch));
  const torchMs = withTorch ? median(torch.map((r) => r.msPerEpoch)) : NaN;
  const ratios = torch.map((t, i) => ours[i].msPerEpoch / t.msPerEpoch);
  const busy = [...ours, ...torch].some((r) => r.other?.high);
  const lines = [
    machineLine(m),
    `trainer: MLP 10-64-64-1, l2 (lambda ${SETTINGS.lambda}) + dropout ${SETTINGS.dropout}, adam, batch ${SETTINGS.batchSize}, ${epochs} epochs, ${split.train.length} train / ${split.validation.length} validation rows`,
    `  regsweep train (wasm)   ${round(oursMs, 2)} ms/epoch (median of ${reps}; runs ${ours.map((r) => round(r.msPerEpoch, 2)).join(', ')})`,
    ...(withTorch
      ? [
          `  PyTorch, 1 thread       ${round(torchMs, 2)} ms/epoch (runs ${torch.map((r) => round(r.msPerEpoch, 2)).join(', ')}); CPU ${round(median(torch.map((r) => r.cpuMsPerEpoch!)), 2)} ms/epoch`,
          `  ratio regsweep/PyTorch  ${round(median(ratios), 2)}x (median of the pairs ${ratios.map((x) => round(x, 2)).join(', ')}; goal <= 1.0x)`,
          `  final losses (MSE, original units): regsweep train ${round(ours[0].trainLoss, 1)} / validation ${round(ours[0].valLoss, 1)}; PyTorch ${round(torch[0].trainLoss, 1)} / ${round(torch[0].valLoss, 1)}`,
        ]
      : []),
    ...(busy ? ['NOTE: other jobs took more than half a core during some runs: the figures are pessimistic; rerun'] : []),
  ];
  emit(lines, {
    bench: 'trainer',
    epochs,
    rows: { train: split.train.length, validation: split.validation.length },
    regsweepMsPerEpoch: round(oursMs),
    regsweepRuns: ours.map((r) => round(r.msPerEpoch)),
    ...(withTorch
      ? {
          torchMsPerEpoch: round(torchMs),
          torchRuns: torch.map((r) => round(r.msPerEpoch)),
          torchCpuMsPerEpoch: round(median(torch.map((r) => r.cpuMsPerEpoch!))),
          ratio: round(median(ratios)),
          ratios: ratios.map((x) => round(x)),
        }
      : {}),
    otherCores: [...ours, ...torch].map((r) => r.other?.otherCores),
  });
}

run(main);
