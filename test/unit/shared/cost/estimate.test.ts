/** The cost estimate against hand-worked arithmetic from the price table's figures. */
import { SpecError } from '../../../../shared/errors';
import { checkBudget, estimateCost, formatUsd, type CostInputs } from '../../../../shared/cost/estimate';
import { batchWaitSeconds, cpuShare, kernelParams, lambdaTrialSeconds, mlpEpochFlops, trialComputeMs, CALIBRATION } from '../../../../shared/cost/duration';
import { PRICES } from '../../../../shared/cost/prices';
import { estimateSweep, shapeOfDesign } from '../../../../shared/plan/cost';
import { expandGrid } from '../../../../shared/search/strategy';
import { resolveGrid } from '../../../../shared/search/default-grid';
import { parseSpec } from '../../../../shared/search/spec';

const base: CostInputs = {
  trials: 1000,
  batchSize: 10,
  trialSeconds: 1,
  batchWaitSeconds: 0,
  memoryMb: 1024,
  architecture: 'x86_64',
  childType: 'STANDARD',
  steps: [],
};

describe('estimateCost', () => {
  it('1,000 trials in batches of 10 at 1 s on 1024 MB x86, STANDARD children: hand-worked', () => {
    // Act
    const e = estimateCost(base);
    // Assess
    expect(e.batches).toBe(100);
    expect(e.batchSeconds).toBe(10);
    // Lambda: 100 invocations x 10 s x 1 GB = 1,000 GB-s; $0.0000166667 x 1,000 + $0.20/1M x 100 = $0.0166667 + $0.00002
    expect(e.lambda.requests).toBe(100);
    expect(e.lambda.gbSeconds).toBeCloseTo(1000, 9);
    expect(e.lambda.usd).toBeCloseTo(0.0166867, 9);
    // Step Functions: 6 parent states + 100 child starts + 100 TrainTrial states = 206 x $0.000025 = $0.00515
    expect(e.stepFunctions.transitions).toBe(206);
    expect(e.stepFunctions.usd).toBeCloseTo(0.00515, 12);
    // S3: a trial of 1 s reaches RECORD_FLUSH_MS alone, so each is its own record part: 1,000 parts.
    //     GETs 9 fixed + 100 dataset HEADs + 1,000 Aggregate reads (one per part) = 1,109 x $0.0000004;
    //     PUTs 8 fixed + 100 resume LISTs + 1,000 parts + 1 Aggregate LIST page = 1,109 x $0.000005
    expect(e.s3).toMatchObject({ gets: 1109, puts: 1109, parts: 1000 });
    expect(e.s3.usd).toBeCloseTo(1109 * 4e-7 + 1109 * 5e-6, 12);
    expect(e.usd).toBeCloseTo(0.0166867 + 0.00515 + 0.0004436 + 0.005545, 9);
    expect(e.prices).toEqual({ region: 'us-east-1', readOn: PRICES.readOn });
  });

  it('fast exact trials: one record part per batch, and the S3 waits of a batch billed once per batch', () => {
    // 1,000 trials of 5 ms in batches of 100, waiting 90 ms per batch for S3: 10 batches of 100 x 5 + 90 = 590 ms
    const e = estimateCost({ ...base, batchSize: 100, trialSeconds: 0.005, batchWaitSeconds: 0.09 });
    expect(e.batches).toBe(10);
    expect(e.batchSeconds).toBeCloseTo(0.59, 12);
    expect(e.lambda.gbSeconds).toBeCloseTo(5.9, 9); // 10 x 0.59 s x 1 GB
    // a part per 200 trials (1 s / 5 ms): one per batch. GETs 9 + 10 HEADs + 10 part reads; PUTs 8 + 10 LISTs + 10 parts + 1 page
    expect(e.s3).toMatchObject({ parts: 10, gets: 29, puts: 29 });
    // trials of 0.3 s: a part every 4 trials (1.2 s >= 1 s), so a batch of 10 writes 3 (4 + 4 + 2): 100 batches, 300 parts
    expect(estimateCost({ ...base, trialSeconds: 0.3 }).s3).toMatchObject({ parts: 300, gets: 9 + 100 + 300, puts: 8 + 100 + 300 + 1 });
  });

  it('EXPRESS children: one request each and 10 s at 64 MB instead of a transition in the child', () => {
    const e = estimateCost({ ...base, childType: 'EXPRESS' });
    // 6 + 100 transitions; 100 requests x $1/1M; 100 x 10 s x 0.0625 GB = 62.5 GB-s x $0.06/3600
    expect(e.stepFunctions.transitions).toBe(106);
    expect(e.stepFunctions.expressRequests).toBe(100);
    expect(e.stepFunctions.expressGbSeconds).toBeCloseTo(62.5, 9);
    expect(e.stepFunctions.usd).toBeCloseTo(106 * 0.000025 + 100 * 1e-6 + (62.5 * 0.06) / 3600, 12);
    expect(e.lambda.usd).toBeCloseTo(0.0166867, 9); // the Lambda side does not change
  });

  it('a last, partial batch; Lambda billed per ms and Express per 100 ms; arm64 prices', () => {
    // 25 trials of 0.1234 s in batches of 10: batches of 1.234, 1.234 and 0.617 s
    const e = estimateCost({ ...base, trials: 25, trialSeconds: 0.1234, memoryMb: 2048, architecture: 'arm64', childType: 'EXPRESS' });
    expect(e.batches).toBe(3);
    expect(e.batchSeconds).toBeCloseTo(1.234, 12);
    // Lambda: (1234 + 1234 + 617 ms) x 2 GB = 6.17 GB-s at the Arm price
    expect(e.lambda.gbSeconds).toBeCloseTo(6.17, 9);
    expect(e.lambda.usd).toBeCloseTo(6.17 * 0.0000133334 + 3 * 2e-7, 12);
    // Express: 1.3 + 1.3 + 0.7 s (rounded up to 100 ms) x 0.0625 GB
    expect(e.stepFunctions.expressGbSeconds).toBeCloseTo(3.3 * 0.0625, 12);
    // a part every 9 trials (9 x 0.1234 = 1.11 s): 2 + 2 + 1 parts
    expect(e.s3.parts).toBe(5);
    // the once-per-sweep functions add their own GB-s and a request each
    const withSteps = estimateCost({ ...base, steps: [{ name: 'plan', seconds: 1.5, memoryMb: 512 }] });
    expect(withSteps.lambda.requests).toBe(101);
    expect(withSteps.lambda.gbSeconds).toBeCloseTo(1000.75, 9);
  });

  it('refuses inputs it cannot price', () => {
    expect(() => estimateCost({ ...base, batchSize: 0 })).toThrow(RangeError);
    expect(() => estimateCost({ ...base, trials: 0 })).toThrow(RangeError);
  });
});

describe('checkBudget and formatUsd', () => {
  it('refuses an estimate over limits.maxCostUsd with a SpecError naming the limit and the estimate; accepts one under it', () => {
    const e = estimateCost(base); // $0.0277
    expect(() => checkBudget(0.02, e, 'my.json')).toThrow(SpecError);
    expect(() => checkBudget(0.02, e, 'my.json')).toThrow(/^my\.json: limits\.maxCostUsd is \$0\.02 but this sweep is estimated at \$0\.03 \(1000 trials/);
    expect(() => checkBudget(0.03, e)).not.toThrow();
    expect(() => checkBudget(undefined, e)).not.toThrow();
  });

  it.each([
    [12.345, '$12.35'],
    [0.01, '$0.01'],
    [0.0012345, '$0.0012'],
    [0, '$0'],
  ])('formatUsd(%p) = %p', (usd, text) => expect(formatUsd(usd)).toBe(text));
});

describe('trial duration model', () => {
  it('counts kernel parameters and the FLOPs of an epoch', () => {
    const w = { trainRows: 100, validationRows: 50, features: 10, hidden: [32, 32], outputs: 1, batchSize: 32 };
    expect(kernelParams(w)).toBe(10 * 32 + 32 * 32 + 32 * 1); // 1,376
    // 6 per parameter per training row + 2 per parameter per evaluated row (train and validation)
    expect(mlpEpochFlops(w)).toBe(6 * 100 * 1376 + 2 * 150 * 1376);
    // 4 steps of 32 rows an epoch
    const { stepMs, nsPerFlop } = CALIBRATION.sgd;
    expect(trialComputeMs('sgd', w, 10)).toBeCloseTo(10 * (4 * stepMs + (nsPerFlop * mlpEpochFlops(w)) / 1e6), 9);
    const { a, b } = CALIBRATION.linear['closed-form'];
    expect(trialComputeMs('closed-form', w, 10)).toBeCloseTo(a + b * 100 * 10, 12);
  });

  it('scales computation by the vCPU share of the memory (a whole vCPU at 1,769 MB); a batch waits for three S3 round trips', () => {
    expect(cpuShare(1769)).toBe(1);
    expect(cpuShare(10240)).toBe(1); // one thread: more memory is not faster
    expect(cpuShare(884.5)).toBeCloseTo(0.5, 12);
    expect(lambdaTrialSeconds(100, 884.5)).toBeCloseTo(200 / 1000, 12);
    expect(batchWaitSeconds()).toBeCloseTo((3 * 30) / 1000, 12); // the resume LIST, the dataset HEAD, the last part's PUT
  });

  it('estimateSweep: the grid of the plan, the solver of each config, the stack settings', () => {
    const spec = parseSpec({
      dataset: { source: 'd.csv', target: 'y', task: 'regression' },
      model: { hidden: [] },
      validation: { folds: 2 },
      search: { types: ['l2'], lambda: [0.1, 1, 10] },
    });
    const items = expandGrid(spec, resolveGrid(spec)); // none + 3 l2 configs, x 2 folds
    const shape = shapeOfDesign(
      { test: [], trainval: [], folds: [{ train: new Array<number>(80).fill(0), validation: new Array<number>(20).fill(0) }] },
      { features: ['a', 'b'], task: 'regression' },
    );
    const deploy = {
      trialMemoryMb: 1769,
      planMemoryMb: 1024,
      aggregateMemoryMb: 1024,
      refitMemoryMb: 1769,
      architecture: 'x86_64' as const,
      childType: 'STANDARD' as const,
    };
    // the plan's own batch size: every trial is exact, so whole λ paths in batches of up to 100 (plan/batches.ts)
    expect(estimateSweep(spec, items, shape, deploy)).toMatchObject({ trials: 8, batches: 1, lambda: { requests: 1 + 3 } });
    // one trial per invocation (a what-if batch size), for the arithmetic below
    const e = estimateSweep(spec, items, shape, { ...deploy, batchSize: 1 });
    expect(e.trials).toBe(8);
    expect(e.batches).toBe(8);
    expect(e.lambda.requests).toBe(8 + 3); // and plan, aggregate, refit
    // every trial is closed form: (a + b·80·2) ms on a whole vCPU, plus the batch's 3 x 30 ms of S3
    const { a, b } = CALIBRATION.linear['closed-form'];
    expect(e.batchSeconds).toBeCloseTo(Math.ceil(a + b * 160 + 90) / 1000, 3);
    // the plan's batch size: the spec's limits.batchSize, rounded down to whole λ paths (3 here), wins over the stack's defaults
    const batched = estimateSweep({ ...spec, limits: { ...spec.limits, batchSize: 4 } }, items, shape, deploy);
    expect(batched).toMatchObject({ batchSize: 3, batches: 3 });
  });
});
