/**
 * RefitBest: train the chosen config on every non-test row, evaluate it once on the held-out test split, and
 * save the model (tfjs layers format) and best.json. The only step that touches the test split.
 */
import * as tf from '@tensorflow/tfjs';
import { transformRows } from '../data/preprocess';
import { selectTargets } from '../data/standardize';
import { configLabel, type RegConfig } from '../search/grid';
import { storedMetrics, type BestRecord } from '../study/best';
import { bestKey } from '../store/layout';
import type { BucketBlobs } from '../store/blobs';
import { SweepStore } from '../store/sweep-store';
import { buildRecord, fitTrial, type TrialInput } from '../training/fit';
import { disposeModel, toLayersModel } from '../training/model';
import { evaluateRows, type Metrics } from '../training/train';
import { loadDataset, loadSpec, splitsOf, type StepCaches } from './context';

export interface RefitResult {
  readonly sweepId: string;
  readonly bestKey: string;
  readonly modelUri: string;
  readonly label: string;
  readonly reg: RegConfig;
  readonly test: Metrics;
}

/**
 * Train the chosen config on every non-test row for the epochs selection found, evaluate it once on the
 * held-out test split, and save the model (tfjs format: model.json + weights.bin) and best.json.
 */
export async function refitBest(objects: BucketBlobs, sweepId: string, deps: { backend: string; caches?: StepCaches }): Promise<RefitResult> {
  const sweep = new SweepStore(objects, sweepId);
  const spec = await loadSpec(sweep, deps.caches);
  const board = await sweep.requireLeaderboard();
  const ds = await loadDataset(objects, spec, deps.caches);
  const plan = splitsOf(ds, spec);
  const chosen = board.best;
  const epochs = Math.max(1, Math.round(chosen.meanBestEpoch));
  const input: TrialInput = {
    dataset: ds,
    settings: spec,
    reg: chosen.reg,
    trainRows: plan.trainval,
    validationRows: [],
    fold: 0,
    seed: spec.validation.seed,
    backend: deps.backend,
    linearCache: deps.caches?.linear,
    sweepId,
    epochs,
    patience: 0,
  };
  const startedAt = new Date();
  const { result, preprocessor } = fitTrial(input);
  try {
    const record = buildRecord(input, result, startedAt);
    const test = evaluateRows(result.model, ds.task, transformRows(preprocessor, ds, plan.test), selectTargets(ds.y, plan.test));
    const outputActivation = ds.task === 'regression' ? 'linear' : result.model.config.outputs > 1 ? 'softmax' : 'sigmoid';
    const layers = toLayersModel(result.model, chosen.reg.dropoutRate, outputActivation);
    let files: { modelJson: string; weights: string } | undefined;
    try {
      await layers.save(
        tf.io.withSaveHandler(async (artifacts) => {
          const modelJson = {
            modelTopology: artifacts.modelTopology,
            format: artifacts.format,
            generatedBy: artifacts.generatedBy,
            convertedBy: artifacts.convertedBy,
            weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
          };
          const data = artifacts.weightData;
          const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(tf.io.concatenateArrayBuffers(data as ArrayBuffer[]));
          files = await sweep.writeModel(modelJson, bytes);
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
    } finally {
      layers.dispose();
    }
    if (!files) throw new Error('internal: the model was not saved');
    const best: BestRecord = {
      schemaVersion: 1,
      sweepId,
      task: ds.task,
      target: ds.target,
      ...(ds.classes ? { classes: ds.classes } : {}),
      ...(ds.classNames ? { classNames: ds.classNames } : {}),
      rule: board.rule,
      config: chosen,
      label: configLabel(chosen.reg),
      epochs,
      rows: { train: plan.trainval.length, test: plan.test.length },
      test: storedMetrics(test),
      train: storedMetrics(record.train),
      standardizer: { features: preprocessor.features, ...preprocessor.standardizer },
      preprocessing: preprocessor,
      ...(record.coefficients ? { coefficients: record.coefficients, intercept: record.intercept } : {}),
      sparsity: record.sparsity,
      selectedFeatures: record.selectedFeatures,
      model: { ...files, outputActivation },
      backend: deps.backend,
      createdAt: new Date().toISOString(),
    };
    await sweep.writeBest(best);
    return { sweepId, bestKey: bestKey(sweepId), modelUri: best.model.modelJson, label: best.label, reg: chosen.reg, test };
  } finally {
    disposeModel(result.model);
  }
}
