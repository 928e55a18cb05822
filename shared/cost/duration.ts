/**
 * How long a trial runs on the trial Lambda: the model behind the cost estimate.
 *
 * - An exact linear trial (closed form, coordinate descent, proximal Newton: shared/training/linear) costs
 *   `a + b·size` ms on one core, size = n·p for closed form and coordinate descent (standardizing, predicting and
 *   building the record are O(n·p) per trial; the decomposition a fold's path shares is small beside them at these
 *   sizes) and n·p² for proximal Newton (a weighted Gram matrix per Newton step; its step count grows as the classes
 *   get closer to separable, which this cannot see). a and b per solver are fitted through two shapes timed by
 *   bench/cost.ts (fitRecord, the trial's own code, along a warm-started 20-λ path).
 * - An SGD trial (an MLP, or a linear classifier with dropout) costs, per epoch, `stepMs` per minibatch step
 *   (the op dispatch a small model is dominated by) plus `nsPerFlop` per floating-point operation: 6 per kernel
 *   parameter per training row (forward 2, backward 4) and 2 per parameter per row for the per-epoch evaluation
 *   of the training and validation loss. Every epoch up to `training.epochs` is counted: early stopping makes real
 *   trials shorter, so this is an upper bound. Fitted by least squares over six shapes by bench/cost.ts.
 * - Measured on one core of the development machine on the wasm backend. Lambda gives a function a share of a
 *   vCPU proportional to its memory, a whole vCPU at 1,769 MB; the trainer is single-threaded, so the time is
 *   divided by min(1, memory / 1769) and more memory does not make it faster. A Lambda vCPU is assumed as fast
 *   as a core here; the container's tfjs-node backend is faster than wasm, so MLP figures are an upper bound.
 * - Each batch also waits for BATCH_S3_WAITS S3 round trips, each S3_REQUEST_MS: the LIST of its record parts
 *   (the resume check), the dataset's HEAD and the PUT of its last part (earlier parts are written while the next
 *   trials train). AWS describes the median latency of small requests as "tens of milliseconds" ("Timeouts and
 *   Retries for Latency-Sensitive Applications", S3 performance whitepaper); 30 ms is an assumption within it.
 */
import type { Task } from '../search/spec';

/** What one trial's duration depends on. */
export interface TrialWork {
  /** Rows the trial trains on (one fold's training rows). */
  readonly trainRows: number;
  /** Rows it evaluates every epoch. */
  readonly validationRows: number;
  readonly features: number;
  /** Hidden layer sizes ([] is a linear model). */
  readonly hidden: readonly number[];
  /** Output units: 1 for regression and two classes, K for K > 2 classes. */
  readonly outputs: number;
  /** Minibatch size of SGD training. */
  readonly batchSize: number;
}

/** The exact linear solvers (shared/training/linear) and SGD. */
export type SolverKind = 'closed-form' | 'coordinate-descent' | 'proximal-newton' | 'sgd';

/** Constants fitted by bench/cost.ts (its JSON output is in bench/README.md, section 7). */
export const CALIBRATION = {
  measuredOn: '2026-11-30',
  machine: 'the development machine of bench/README.md (2 vCPUs), Node 20, tfjs 4.22 wasm backend, one thread',
  /**
   * Measured on the idle machine (other jobs 0 cores; the best of 7 runs per shape for the MLPs, of 3 paths for
   * the linear solvers), after this session's changes to exact trials (metrics on the host, prepared rows per
   * fold) and to the logistic solver (its inner descent on the weighted Gram matrix). The constants of
   * 2026-11-30's first calibration were taken at a load average of 9-13 and ran ~2x high for SGD.
   */
  loadAverage: '1.5 (idle machine)',
  /** SGD: ms per minibatch step, and ns per floating-point operation. */
  sgd: { stepMs: 0.1525, nsPerFlop: 0.2144 },
  /** Exact linear solvers: ms per trial = a + b·linearWorkSize(solver, n, p). */
  linear: {
    'closed-form': { a: 0.366, b: 1.93e-5 },
    'coordinate-descent': { a: 0.554, b: 4.41e-6 },
    'proximal-newton': { a: 1.342, b: 1.22e-5 },
  } as Record<Exclude<SolverKind, 'sgd'>, { a: number; b: number }>,
} as const;

/** Lambda allocates a whole vCPU at this much memory, and a proportional share below it. */
export const LAMBDA_FULL_VCPU_MB = 1769;
/** Assumed latency of one small S3 request from Lambda in the same region (see the header). */
export const S3_REQUEST_MS = 30;
/** S3 requests a batch waits for: the resume check's LIST, the dataset's HEAD and the last record part's PUT. */
export const BATCH_S3_WAITS = 3;
/** Seconds a batch waits for S3 beside its trials' computation. */
export const batchWaitSeconds = () => (BATCH_S3_WAITS * S3_REQUEST_MS) / 1000;

/** Output units of a model for a task. */
export const outputUnits = (task: Task, classes?: number) => (task === 'classification' && (classes ?? 2) > 2 ? classes! : 1);

/** Kernel parameters (weights, not biases) of the model: inputs -> hidden... -> outputs. */
export function kernelParams(w: Pick<TrialWork, 'features' | 'hidden' | 'outputs'>): number {
  const sizes = [w.features, ...w.hidden, w.outputs];
  let params = 0;
  for (let i = 1; i < sizes.length; i++) params += sizes[i - 1] * sizes[i];
  return params;
}

/** Floating-point operations of one SGD epoch: training (6 per parameter per row) and the loss evaluations (2). */
export function mlpEpochFlops(w: TrialWork): number {
  const params = kernelParams(w);
  return 6 * w.trainRows * params + 2 * (w.trainRows + w.validationRows) * params;
}

/**
 * The size an exact linear solver's time grows with: n·p (standardizing, predicting, the record; closed form and
 * coordinate descent on the shared Gram matrix), n·p² for proximal Newton (a weighted Gram matrix every Newton step).
 */
export function linearWorkSize(solver: Exclude<SolverKind, 'sgd'>, n: number, p: number): number {
  return solver === 'proximal-newton' ? n * p * p : n * p;
}

/** Milliseconds of computation of one trial on one core of the calibration machine. */
export function trialComputeMs(solver: SolverKind, w: TrialWork, epochs: number): number {
  if (solver !== 'sgd') {
    const { a, b } = CALIBRATION.linear[solver];
    return a + b * linearWorkSize(solver, w.trainRows, w.features);
  }
  const { stepMs, nsPerFlop } = CALIBRATION.sgd;
  const steps = Math.ceil(w.trainRows / Math.max(1, Math.min(w.batchSize, w.trainRows)));
  return epochs * (steps * stepMs + (nsPerFlop * mlpEpochFlops(w)) / 1e6);
}

/** The share of a vCPU a function of this memory gets (1 at 1,769 MB and above: the trainer uses one thread). */
export const cpuShare = (memoryMb: number) => Math.min(1, memoryMb / LAMBDA_FULL_VCPU_MB);

/** Seconds a trial computes on a Lambda of `memoryMb`: its computation scaled by the CPU share (its batch's S3 waits are batchWaitSeconds). */
export function lambdaTrialSeconds(computeMs: number, memoryMb: number): number {
  return computeMs / cpuShare(memoryMb) / 1000;
}
