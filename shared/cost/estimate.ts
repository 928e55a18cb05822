/**
 * The cost of a sweep before it runs: Lambda GB-seconds and requests, Step Functions transitions (or Express
 * requests and GB-seconds), S3 requests, and dollars from the price table (prices.ts).
 *
 * What is counted, per the synthesized workflow (infra/workflow.ts):
 * - Lambda: one TrainTrial invocation per batch of `batchSize` trials, each billed for its trials' durations
 *   (rounded up to the millisecond), plus PlanSweep, Aggregate and RefitBest once each.
 * - Step Functions: the parent (STANDARD) executes 6 states (PlanSweep, RunTrials, Aggregate, RefitBest,
 *   Summarize, SweepSucceeded), and the Distributed Map is charged one transition per child execution it starts.
 *   A STANDARD child executes one state (TrainTrial): one more transition; an EXPRESS child is one request plus
 *   its duration (rounded up to 100 ms) at 64 MB. Retries are not counted (each would be one more transition
 *   and one more invocation), nor are failed trials run again by a resume.
 * - S3: per batch a LIST of its record parts (the resume check), a HEAD of the dataset and a PUT per part of its
 *   records (store/layout.ts recordParts: one for a batch of fast exact trials, one per trial for trials that
 *   take a second or more); the sweep's fixed requests (FIXED_S3_REQUESTS) plus Aggregate's LIST pages and one
 *   GET per part. A batch also waits for BATCH_S3_WAITS round trips (in `batchWaitSeconds`).
 * Not counted: free tiers, CloudWatch Logs and X-Ray (the workflow logs every state at level ALL), S3 storage,
 * cold starts' init time, and data transfer (none leaves the region).
 */
import { SpecError } from '../errors';
import { recordParts } from '../store/layout';
import { PRICES, priceTableLabel, type Architecture } from './prices';

/** The type of the Distributed Map's child executions (infra/config.ts `childExecutionType`). */
export type ChildExecutionType = 'STANDARD' | 'EXPRESS';

/** A function that runs once per sweep (PlanSweep, Aggregate, RefitBest). */
export interface StepRun {
  readonly name: string;
  readonly seconds: number;
  readonly memoryMb: number;
}

export interface CostInputs {
  readonly trials: number;
  /** Trials per TrainTrial invocation (the ItemBatcher's batch size; 1 without batching). */
  readonly batchSize: number;
  /** Mean billed seconds of one trial on the trial function. */
  readonly trialSeconds: number;
  /** Seconds a batch waits beside its trials (its S3 round trips: duration.ts batchWaitMs). */
  readonly batchWaitSeconds: number;
  /** The trial function's memory. */
  readonly memoryMb: number;
  readonly architecture: Architecture;
  readonly childType: ChildExecutionType;
  /** The functions that run once (their memory is theirs; they share the trial function's architecture). */
  readonly steps: readonly StepRun[];
}

export interface CostEstimate {
  readonly trials: number;
  readonly batches: number;
  readonly batchSize: number;
  /** Seconds of the longest (a full) batch: what must fit in an EXPRESS child's 5 minutes. */
  readonly batchSeconds: number;
  readonly memoryMb: number;
  readonly architecture: Architecture;
  readonly childType: ChildExecutionType;
  readonly lambda: { readonly requests: number; readonly gbSeconds: number; readonly usd: number };
  readonly stepFunctions: {
    readonly transitions: number;
    readonly expressRequests: number;
    readonly expressGbSeconds: number;
    readonly usd: number;
  };
  /** PUTs and LISTs (priced alike), GETs and HEADs, and the record parts among the PUTs. */
  readonly s3: { readonly puts: number; readonly gets: number; readonly parts: number; readonly usd: number };
  readonly usd: number;
  /** The price table: region and the date it was read. */
  readonly prices: { readonly region: string; readonly readOn: string };
}

/** States the parent execution passes through on success. */
export const PARENT_STATES = 6;
/** States a child execution passes through (TrainTrial). */
export const CHILD_STATES = 1;
/**
 * S3 requests a sweep makes once: PlanSweep GETs the dataset and an existing spec.json and PUTs spec.json and
 * manifest.json; the Map GETs the manifest and its ResultWriter PUTs two files; Aggregate GETs spec.json, the
 * manifest and the result files and PUTs leaderboard.json; RefitBest GETs spec.json, leaderboard.json and the
 * dataset and PUTs best.json, model.json and weights.bin.
 */
export const FIXED_S3_REQUESTS = { gets: 2 + 1 + 3 + 3, puts: 2 + 2 + 1 + 3 };
/** Keys a ListObjectsV2 page returns. */
const LIST_PAGE = 1000;

const gb = (mb: number) => mb / 1024;
const ceilTo = (x: number, step: number) => Math.ceil(x / step - 1e-9) * step;

export function estimateCost(c: CostInputs): CostEstimate {
  if (!(c.trials >= 1) || !(c.batchSize >= 1) || !(c.trialSeconds >= 0) || !(c.batchWaitSeconds >= 0) || !(c.memoryMb >= 128)) {
    throw new RangeError(`estimateCost: trials, batchSize >= 1, trialSeconds, batchWaitSeconds >= 0, memoryMb >= 128; got ${JSON.stringify(c)}`);
  }
  const full = Math.floor(c.trials / c.batchSize);
  const rest = c.trials - full * c.batchSize;
  const batches = full + (rest > 0 ? 1 : 0);
  const batchMs = (n: number) => ceilTo((n * c.trialSeconds + c.batchWaitSeconds) * 1000, PRICES.lambda.durationStepMs);
  const batchSeconds = batchMs(full > 0 ? c.batchSize : rest) / 1000;

  // Lambda
  const trialGbS = ((full * batchMs(c.batchSize) + (rest > 0 ? batchMs(rest) : 0)) / 1000) * gb(c.memoryMb);
  const stepGbS = c.steps.reduce((s, r) => s + (ceilTo(r.seconds * 1000, PRICES.lambda.durationStepMs) / 1000) * gb(r.memoryMb), 0);
  const requests = batches + c.steps.length;
  const gbSeconds = trialGbS + stepGbS;
  const lambdaUsd = gbSeconds * PRICES.lambda.gbSecond[c.architecture] + requests * PRICES.lambda.request;

  // Step Functions
  const sf = PRICES.stepFunctions;
  const express = c.childType === 'EXPRESS';
  const transitions = PARENT_STATES + batches + (express ? 0 : batches * CHILD_STATES);
  const expressRequests = express ? batches : 0;
  const expressMs = (n: number) => ceilTo((n * c.trialSeconds + c.batchWaitSeconds) * 1000, sf.expressDurationStepMs);
  const expressGbSeconds = express ? ((full * expressMs(c.batchSize) + (rest > 0 ? expressMs(rest) : 0)) / 1000) * gb(sf.expressMemoryStepMb) : 0;
  const sfUsd = transitions * sf.standardTransition + expressRequests * sf.expressRequest + expressGbSeconds * sf.expressGbSecond;

  // S3 (a LIST is priced as a PUT)
  const parts = recordParts(c.trials, c.batchSize, c.trialSeconds);
  const gets = FIXED_S3_REQUESTS.gets + batches /* dataset HEADs */ + parts; /* Aggregate's reads */
  const puts = FIXED_S3_REQUESTS.puts + batches /* resume LISTs */ + parts + Math.ceil(parts / LIST_PAGE); /* Aggregate's LIST pages */
  const s3Usd = gets * PRICES.s3.get + puts * PRICES.s3.put;

  return {
    trials: c.trials,
    batches,
    batchSize: c.batchSize,
    batchSeconds,
    memoryMb: c.memoryMb,
    architecture: c.architecture,
    childType: c.childType,
    lambda: { requests, gbSeconds, usd: lambdaUsd },
    stepFunctions: { transitions, expressRequests, expressGbSeconds, usd: sfUsd },
    s3: { puts, gets, parts, usd: s3Usd },
    usd: lambdaUsd + sfUsd + s3Usd,
    prices: { region: PRICES.region, readOn: PRICES.readOn },
  };
}

/** Dollars as text: cents and up with 2 decimals, below a cent with 2 significant digits. */
export function formatUsd(usd: number): string {
  if (usd >= 0.01) return `$${usd.toFixed(2)}`;
  if (usd === 0) return '$0';
  return `$${usd.toPrecision(2)}`;
}

const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

/** The estimate as the lines `validate` and `start` print. */
export function costLines(e: CostEstimate): string[] {
  const sf =
    e.childType === 'EXPRESS'
      ? `${thousands(e.stepFunctions.transitions)} Step Functions transitions + ${thousands(e.stepFunctions.expressRequests)} Express requests (${e.stepFunctions.expressGbSeconds.toFixed(1)} GB-s)`
      : `${thousands(e.stepFunctions.transitions)} Step Functions transitions`;
  const lines = [
    `cost:     about ${formatUsd(e.usd)} (${priceTableLabel()}; Lambda ${formatUsd(e.lambda.usd)}, Step Functions ${formatUsd(e.stepFunctions.usd)}, S3 ${formatUsd(e.s3.usd)})`,
    `          ${thousands(e.batches)} batch${e.batches === 1 ? '' : 'es'} of up to ${e.batchSize} trial${e.batchSize === 1 ? '' : 's'} (about ${e.batchSeconds.toFixed(1)} s each), ` +
      `${thousands(e.lambda.requests)} Lambda requests, ${e.lambda.gbSeconds.toFixed(1)} GB-s at ${e.memoryMb} MB ${e.architecture}, ${sf}, ` +
      `${thousands(e.s3.gets + e.s3.puts)} S3 requests`,
  ];
  if (e.childType === 'EXPRESS' && e.batchSeconds > PRICES.stepFunctions.expressMaxSeconds) {
    lines.push(
      `warning:  a batch takes about ${Math.round(e.batchSeconds)} s, over the ${PRICES.stepFunctions.expressMaxSeconds} s an EXPRESS child execution may run: use smaller batches or STANDARD children`,
    );
  }
  return lines;
}

/** Refuse a sweep whose estimate is over `limits.maxCostUsd` (a SpecError naming the limit and the estimate). */
export function checkBudget(maxCostUsd: number | undefined, e: CostEstimate, where = 'spec'): void {
  if (maxCostUsd === undefined || e.usd <= maxCostUsd) return;
  throw new SpecError(
    `${where}: limits.maxCostUsd is ${formatUsd(maxCostUsd)} but this sweep is estimated at ${formatUsd(e.usd)} ` +
      `(${e.trials} trials at ${e.memoryMb} MB ${e.architecture}, ${e.childType} children; ${priceTableLabel()}): ` +
      'raise the limit or shrink the grid',
  );
}
