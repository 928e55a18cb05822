/**
 * One scale: a regression is trained on its target standardized with the training rows' statistics and answers
 * in the target's units. The same sweep on y and on 1000 y + 5 picks the same config, with losses 1e6 times
 * larger and coefficients 1000 times larger; an MLP's record and its saved model are in the target's units.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readDatasetFile, type Dataset } from '../../../../shared/data/parse';
import { planSplits, splitOptions } from '../../../../shared/data/splits';
import { resolveGrid } from '../../../../shared/search/default-grid';
import { type TrialItem } from '../../../../shared/search/grid';
import { expandGrid } from '../../../../shared/search/strategy';
import { parseSpec, type SweepSpec } from '../../../../shared/search/spec';
import { buildLeaderboard, studySettings } from '../../../../shared/study/leaderboard';
import type { SucceededTrial } from '../../../../shared/study/records';
import { fitRecord, fitTrial, prepareData, type TrialInput } from '../../../../shared/training/fit';
import { disposeModel, forward, toLayersModel } from '../../../../shared/training/model';
import { regConfig } from '../../../support/artifacts';
import { rawMatrix } from '../../../support/data';
import { DATA_DIR, ready } from '../../../support/tf';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const scaled = (ds: Dataset): Dataset => ({ ...ds, y: ds.y.map((v) => 1000 * v + 5) });

function sweep(ds: Dataset, spec: SweepSpec): { items: TrialItem[]; records: SucceededTrial[] } {
  const plan = planSplits(ds, splitOptions(spec));
  const items = expandGrid(spec, resolveGrid(spec));
  const records = items.map(
    (item) =>
      fitRecord({
        dataset: ds,
        settings: spec,
        reg: item.reg,
        trainRows: plan.folds[item.fold].train,
        validationRows: plan.folds[item.fold].validation,
        fold: item.fold,
        seed: item.seed,
        backend: 'test',
      }).record,
  );
  return { items, records };
}

let diabetes: Dataset;
beforeAll(async () => {
  await ready();
  diabetes = await readDatasetFile(path.join(DATA_DIR, 'diabetes.csv'), { target: 'progression', task: 'regression' });
});

describe('exact linear fits on y and on 1000 y + 5', () => {
  it('pick the same config, with losses x 1e6 and coefficients x 1000 (to 1e-6 relative)', () => {
    const spec = parseSpec({
      dataset: { source: 'diabetes.csv', target: 'progression', task: 'regression' },
      model: { hidden: [] },
      validation: { folds: 3 },
      search: { types: ['l1', 'l2', 'elasticnet', 'dropout'], lambda: [0.5, 5, 50, 300], dropout: [0.1, 0.3] },
    });
    const a = sweep(diabetes, spec);
    const b = sweep(scaled(diabetes), spec);
    const boardA = buildLeaderboard('a', a.items, a.records, studySettings(spec));
    const boardB = buildLeaderboard('b', b.items, b.records, studySettings(spec));
    expect(boardB.best.configId).toBe(boardA.best.configId);
    expect(boardB.configs.map((c) => c.configId)).toEqual(boardA.configs.map((c) => c.configId));
    boardA.configs.forEach((c, i) => expect(rel(boardB.configs[i].meanValLoss, 1e6 * c.meanValLoss)).toBeLessThan(1e-6));
    a.records.forEach((r, i) => {
      const s = b.records[i];
      expect(rel(s.train.loss!, 1e6 * r.train.loss!)).toBeLessThan(1e-6);
      expect(rel(s.objective!, 1e6 * r.objective!)).toBeLessThan(1e-6);
      expect(s.validation!.r2).toBeCloseTo(r.validation!.r2!, 6);
      for (const f of rawMatrix(diabetes).features)
        expect(Math.abs(s.coefficients![f] - 1000 * r.coefficients![f])).toBeLessThan(1e-6 * 1000 * Math.abs(r.intercept!));
      expect(rel(s.intercept!, 1000 * r.intercept! + 5)).toBeLessThan(1e-9);
    });
  });
});

describe('an MLP trial on a standardized target', () => {
  const settings = {
    model: { hidden: [8], activation: 'relu' as const },
    training: { epochs: 15, batchSize: 32, learningRate: 0.01, optimizer: 'adam' as const, patience: 0 },
  };
  const input = (ds: Dataset): TrialInput => ({
    dataset: ds,
    settings,
    reg: regConfig('l2', 1),
    trainRows: ds.y.map((_, i) => i).filter((i) => i % 4 !== 0),
    validationRows: ds.y.map((_, i) => i).filter((i) => i % 4 === 0),
    fold: 0,
    seed: 3,
    backend: 'test',
  });

  it("reports its validation MSE and R² in the target's units: a hand computation from the model's and the saved tfjs model's predictions", () => {
    const trial = input(diabetes);
    const { data } = prepareData(diabetes, trial.trainRows, trial.validationRows);
    const before = tf.memory().numTensors;
    const { result } = fitTrial(trial);
    const x = tf.tensor2d(data.xVal!, [trial.validationRows.length, data.features]);
    const layers = toLayersModel(result.model);
    try {
      const fromModel = tf.tidy(() => forward(result.model, x).dataSync());
      const fromSaved = tf.tidy(() => (layers.predict(x) as tf.Tensor).dataSync());
      const y = trial.validationRows.map((r) => diabetes.y[r]);
      const mean = y.reduce((s, v) => s + v, 0) / y.length;
      const mse = (p: ArrayLike<number>) => y.reduce((s, v, i) => s + (p[i] - v) ** 2, 0) / y.length;
      const variance = y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length;
      expect(mse(fromModel)).toBeGreaterThan(1000); // diabetes' MSE is in the thousands, not ~0.5 standardized
      expect(rel(result.validation!.loss, mse(fromModel))).toBeLessThan(1e-5);
      expect(rel(result.validation!.loss, mse(fromSaved))).toBeLessThan(1e-5);
      expect(result.validation!.r2).toBeCloseTo(1 - mse(fromModel) / variance, 5);
      // patience 0: the kept epoch is the last, whose curve point is the record's loss
      expect(rel(result.curves.valLoss.at(-1)!, result.validation!.loss)).toBeLessThan(1e-5);
    } finally {
      x.dispose();
      layers.dispose();
      disposeModel(result.model);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('on 1000 y + 5 trains the same network: losses and curves x 1e6', () => {
    const a = fitRecord(input(diabetes)).record;
    const b = fitRecord(input(scaled(diabetes))).record;
    expect(rel(b.validation!.loss!, 1e6 * a.validation!.loss!)).toBeLessThan(1e-4);
    expect(rel(b.train.loss!, 1e6 * a.train.loss!)).toBeLessThan(1e-4);
    expect(rel(b.objective!, 1e6 * a.objective!)).toBeLessThan(1e-4);
    a.curves.valLoss.forEach((l, i) => expect(rel(b.curves.valLoss[i]!, 1e6 * l!)).toBeLessThan(1e-4));
  });
});

describe('a constant regression target', () => {
  const input = (ds: Dataset): TrialInput => ({
    dataset: ds,
    settings: { model: { hidden: [], activation: 'relu' }, training: { epochs: 1, batchSize: 32, learningRate: 0.01, optimizer: 'adam', patience: 0 } },
    reg: regConfig('l2', 1),
    trainRows: [0, 1, 2, 3, 4, 5],
    validationRows: [6, 7],
    fold: 0,
    seed: 1,
    backend: 'test',
  });
  it('is refused with a DatasetError naming the column, not divided by', () => {
    const flat: Dataset = { ...diabetes, y: diabetes.y.map(() => 7) };
    expect(() => fitTrial(input(flat))).toThrow(/target column "progression" is constant on the training rows/);
  });
});

describe('an exact linear trial', () => {
  const lasso = (ds: Dataset): TrialInput => ({
    dataset: ds,
    settings: parseSpec({
      dataset: { source: 'diabetes.csv', target: 'progression', task: 'regression' },
      model: { hidden: [] },
      search: { types: ['l1'], lambda: [30] },
    }),
    reg: regConfig('l1', 30),
    trainRows: ds.y.map((_, i) => i).filter((i) => i % 3 !== 0),
    validationRows: ds.y.map((_, i) => i).filter((i) => i % 3 === 0),
    fold: 0,
    seed: 1,
    backend: 'test',
  });

  it('builds no TensorFlow.js model for its record: sparsity and selected features come from the float64 answer', () => {
    const trial = lasso(diabetes);
    const { result } = fitTrial(trial, { model: false });
    expect(result.model).toBeUndefined();
    expect(result.solver).toBe('coordinate-descent');

    const before = tf.memory().numTensors;
    const { record } = fitRecord(trial);
    expect(tf.memory().numTensors).toBe(before);

    const coefficients = Object.values(record.coefficients!);
    const zeros = coefficients.filter((w) => w === 0).length;
    expect(zeros).toBeGreaterThan(0); // λ = 30 zeroes some of diabetes' 10 features, not all
    expect(zeros).toBeLessThan(coefficients.length);
    expect(record.sparsity).toBeCloseTo(zeros / coefficients.length, 12);
    expect(record.selectedFeatures).toEqual(Object.keys(record.coefficients!).filter((f) => record.coefficients![f] !== 0));
  });

  it('as a saved model (the refit) predicts what its float64 coefficients do, to float32 precision', () => {
    const trial = lasso(diabetes);
    const { result, preprocessor } = fitTrial(trial);
    const { data } = prepareData(diabetes, trial.trainRows, trial.validationRows);
    const x = tf.tensor2d(data.xVal!, [trial.validationRows.length, data.features]);
    try {
      const fromModel = tf.tidy(() => forward(result.model, x).dataSync());
      const w = result.exact!.weights;
      const b = result.exact!.intercepts[0];
      const p = preprocessor.features.length;
      for (let i = 0; i < trial.validationRows.length; i++) {
        let h = b;
        for (let j = 0; j < p; j++) h += w[j] * data.xVal![i * p + j];
        expect(Math.abs(fromModel[i] - h)).toBeLessThan(1e-4 * Math.max(1, Math.abs(h)));
      }
    } finally {
      x.dispose();
      disposeModel(result.model);
    }
  });
});
