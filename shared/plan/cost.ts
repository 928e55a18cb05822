/**
 * The cost estimate of one sweep: its grid (shared/search/grid.ts, the plan's own expansion), the shape of its
 * dataset's folds, and the deployed settings (memory, architecture, child execution type, batch size).
 */
import type { Dataset } from '../data/parse';
import { fitPreprocessor } from '../data/preprocess';
import type { SplitPlan } from '../data/splits';
import type { TrialItem } from '../search/grid';
import type { SweepSpec, Task } from '../search/spec';
import { recordParts } from '../store/layout';
import { DEFAULT_BATCH_DEFAULTS, trialBatchSize, type BatchDefaults } from './batches';
import { exactLinearSolver } from '../training/linear';
import { batchWaitSeconds, lambdaTrialSeconds, outputUnits, S3_REQUEST_MS, trialComputeMs, type SolverKind, type TrialWork } from '../cost/duration';
import { checkBudget, estimateCost, type ChildExecutionType, type CostEstimate } from '../cost/estimate';
import type { Architecture } from '../cost/prices';

/** The deployed settings an estimate is for (infra/config.ts; the CLI reads them from cdk.json). */
export interface DeploySettings {
  readonly trialMemoryMb: number;
  readonly planMemoryMb: number;
  readonly aggregateMemoryMb: number;
  readonly refitMemoryMb: number;
  readonly architecture: Architecture;
  readonly childType: ChildExecutionType;
  /** The stack's default batch sizes (cdk.json exactBatchSize, sgdBatchSize). @default DEFAULT_BATCH_DEFAULTS */
  readonly batching?: BatchDefaults;
  /** A what-if batch size that replaces the plan's (bench/cost-table.ts compares sizes); unset for a real estimate. */
  readonly batchSize?: number;
}

/**
 * Trials per TrainTrial invocation for this spec on this stack: what PlanSweep will choose (plan/batches.ts: the
 * spec's `limits.batchSize`, else the stack's default for the model family, whole λ paths for exact sweeps).
 */
const batchSizeFor = (spec: SweepSpec, items: readonly TrialItem[], deploy: DeploySettings): number =>
  deploy.batchSize ?? trialBatchSize(spec, items, deploy.batching ?? DEFAULT_BATCH_DEFAULTS);

/** The environment variable through which the stack gives PlanSweep its DeploySettings (JSON). */
export const COST_SETTINGS_ENV = 'REGSWEEP_COST_SETTINGS';

/** A dataset as the trials see it: the mean fold's rows, the features, the task. */
export interface DataShape {
  readonly trainRows: number;
  readonly validationRows: number;
  readonly features: number;
  readonly task: Task;
  readonly classes?: number;
}

/**
 * The shape of a planned split: the mean training and validation rows over its folds, and the design's columns
 * (what the first fold's preprocessor makes of the features: one-hot levels and missing indicators counted).
 */
export function shapeOf(plan: SplitPlan, ds: Dataset): DataShape {
  return shapeOfDesign(plan, { features: fitPreprocessor(ds, plan.folds[0].train).features, task: ds.task, classes: ds.classes });
}

/** `shapeOf` for a design whose columns are known. */
export function shapeOfDesign(plan: SplitPlan, ds: { features: readonly string[]; task: Task; classes?: number }): DataShape {
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  return {
    trainRows: Math.round(mean(plan.folds.map((f) => f.train.length))),
    validationRows: Math.round(mean(plan.folds.map((f) => f.validation.length))),
    features: ds.features.length,
    task: ds.task,
    ...(ds.classes ? { classes: ds.classes } : {}),
  };
}

/** Seconds PlanSweep is assumed to take (0.4 s measured in the harness on diabetes; parsing grows with the file). */
const PLAN_SECONDS = 1;
/** Aggregate reads the record parts this many at a time (SweepStore.trials). */
const AGGREGATE_READS_AT_ONCE = 32;

/** The solver a trial of this config uses (shared/training/fit.ts: exact linear when it can, else SGD). */
function solverOf(spec: SweepSpec, item: TrialItem): SolverKind {
  return (spec.model.hidden.length === 0 && exactLinearSolver(spec.dataset.task, item.reg)) || 'sgd';
}

/** The estimate for `items` (the plan's grid of the spec) on data of `shape`, deployed with `deploy`. */
export function estimateSweep(spec: SweepSpec, items: readonly TrialItem[], shape: DataShape, deploy: DeploySettings): CostEstimate {
  const work: TrialWork = {
    trainRows: shape.trainRows,
    validationRows: shape.validationRows,
    features: shape.features,
    hidden: spec.model.hidden,
    outputs: outputUnits(shape.task, shape.classes),
    batchSize: spec.training.batchSize,
  };
  const seconds = items.map((i) => lambdaTrialSeconds(trialComputeMs(solverOf(spec, i), work, spec.training.epochs), deploy.trialMemoryMb));
  const trialSeconds = seconds.reduce((s, x) => s + x, 0) / items.length;
  // RefitBest trains the longest config once on all non-test rows (train + validation of a fold).
  const refitWork = { ...work, trainRows: work.trainRows + work.validationRows, validationRows: 0 };
  const refitMs = Math.max(...items.map((i) => trialComputeMs(solverOf(spec, i), refitWork, spec.training.epochs)));
  const batchSize = batchSizeFor(spec, items, deploy);
  const parts = recordParts(items.length, batchSize, trialSeconds);
  return estimateCost({
    trials: items.length,
    batchSize,
    trialSeconds,
    batchWaitSeconds: batchWaitSeconds(),
    memoryMb: deploy.trialMemoryMb,
    architecture: deploy.architecture,
    childType: deploy.childType,
    steps: [
      { name: 'plan', seconds: PLAN_SECONDS, memoryMb: deploy.planMemoryMb },
      { name: 'aggregate', seconds: 1 + (Math.ceil(parts / AGGREGATE_READS_AT_ONCE) * S3_REQUEST_MS) / 1000, memoryMb: deploy.aggregateMemoryMb },
      { name: 'refit', seconds: lambdaTrialSeconds(refitMs, deploy.refitMemoryMb) + 1, memoryMb: deploy.refitMemoryMb },
    ],
  });
}

/** Estimate a sweep and refuse it when the estimate is over its `limits.maxCostUsd`. */
export function checkSweepBudget(spec: SweepSpec, items: readonly TrialItem[], shape: DataShape, deploy: DeploySettings, where?: string): CostEstimate {
  const estimate = estimateSweep(spec, items, shape, deploy);
  checkBudget(spec.limits.maxCostUsd, estimate, where);
  return estimate;
}
