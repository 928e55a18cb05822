/**
 * The tiny sweep (trivial training, to measure the harness alone) and the clock of a sweep's phases, fed by the
 * run's events.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

export const TINY_ROWS = 20;
export const TINY_FOLDS = 5;

/** A 20-row regression CSV (3 features, y = 1 + 2 x0 - x1 + noise), deterministic. */
export function writeTinyDataset(dir: string, rows = TINY_ROWS): string {
  let s = 1;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const lines = ['x0,x1,x2,y'];
  for (let i = 0; i < rows; i++) {
    const x = [rnd(), rnd(), rnd()];
    const y = 1 + 2 * x[0] - x[1] + 0.1 * rnd();
    lines.push([...x, y].map((v) => v.toFixed(5)).join(','));
  }
  const file = path.join(dir, 'tiny.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/**
 * A sweep of `trials` trials whose training is trivial: a linear model (no hidden layer), 1 epoch, on 20 rows,
 * l2 over trials/5 lambda values x 5 folds. `trials` must be a multiple of 5. `batchSize` sets limits.batchSize
 * (trials per TrainTrial invocation; default: the deployment's, whole lambda paths).
 */
export function tinySpec(sweepId: string, source: string, trials: number, batchSize?: number): Record<string, unknown> {
  if (trials % TINY_FOLDS !== 0 || trials / TINY_FOLDS > 1000) throw new Error(`trials must be a multiple of ${TINY_FOLDS} up to 5000, got ${trials}`);
  return {
    sweepId,
    dataset: { source, target: 'y', task: 'regression' },
    model: { hidden: [] },
    training: { epochs: 1, batchSize: 32, learningRate: 0.01, optimizer: 'adam', patience: 0 },
    validation: { folds: TINY_FOLDS, testFraction: 0.2, seed: 7 },
    search: { types: ['l2'], lambda: { min: 0.001, max: 1000, count: trials / TINY_FOLDS } },
    selection: { rule: 'min' },
    limits: { maxTrials: 5000, ...(batchSize !== undefined ? { batchSize } : {}) },
  };
}

/**
 * Collects the times of the top-level states (PlanSweep, RunTrials, Aggregate, RefitBest) from the run's
 * events, and the map run's start and end. Pass `onEvent` to Harness.runSweep.
 */
export class PhaseClock {
  private readonly t0 = performance.now();
  private readonly entered = new Map<string, number>();
  readonly phases: Record<string, number> = {};
  mapStarted?: number;
  mapEnded?: number;
  firstItemDone?: number;
  itemsDone = 0;

  readonly onEvent = (e: { type?: unknown; state?: { name?: string } }) => {
    const now = performance.now() - this.t0;
    const name = e.state?.name;
    if (e.type === 'StateEntered' && name) this.entered.set(name, now);
    if ((e.type === 'StateExited' || e.type === 'StateFailed') && name && this.entered.has(name)) {
      this.phases[name] = now - this.entered.get(name)!;
    }
    if (e.type === 'MapRunStarted') this.mapStarted = now;
    if (e.type === 'MapItemSucceeded' || e.type === 'MapItemFailed') {
      this.itemsDone++;
      this.firstItemDone ??= now;
    }
    if (e.type === 'MapRunSucceeded' || e.type === 'MapRunFailed') this.mapEnded = now;
  };

  /** ms of the map run itself (items only, without reading the manifest and writing the results). */
  get mapMs(): number {
    return this.mapStarted !== undefined && this.mapEnded !== undefined ? this.mapEnded - this.mapStarted : NaN;
  }
}
