/**
 * The Distributed Map emulation: each field aws-local-stepfunctions ignores (ItemReader, ItemBatcher, MaxConcurrency
 * as a Distributed Map honours it, ToleratedFailurePercentage/Count, ResultWriter) and that Retry/Catch on the Map
 * work as written. S3 is an in-memory fake here; harness-s3.test.ts runs against the local S3 server.
 */
import { EMULATED_MAP_RESOURCE, UnsupportedMapFeatureError, transformDistributedMaps, type AslState } from '../../local/distributed-map';
import { runStateMachine, type MapRunEvent } from '../../local/runner';
import { BUCKET, MemoryS3, fakeSweep, sweepDefinition } from '../fixtures/harness/fakes';

type MapState = AslState & Record<string, unknown>;

function runTrials(def: ReturnType<typeof sweepDefinition>): MapState {
  return def.States.RunTrials;
}

/** The sweep without the Catch on the Map (and its then unreachable Fail state): the Map's error ends the run. */
function withoutCatch(def: ReturnType<typeof sweepDefinition>): ReturnType<typeof sweepDefinition> {
  delete runTrials(def).Catch;
  delete def.States.SweepFailed;
  return def;
}

async function run(def: ReturnType<typeof sweepDefinition>, s3: MemoryS3, sweep: ReturnType<typeof fakeSweep>) {
  return runStateMachine({
    definition: def,
    invokeLambda: sweep.invokeLambda,
    readJson: s3.readJson,
    writeJson: s3.writeJson,
    input: { sweepId: 'sw-1' },
    executionName: 'exec-1',
    retryIntervalOverrides: { RunTrials: 0, TrainTrial: 0 },
    validate: false, // the fixture's validation is tested in harness-runner.test.ts; skipping it saves ~0.3 s a run
  });
}

describe('Distributed Map emulation', () => {
  describe('ItemReader', () => {
    it('reads the items from the JSON object in S3 named by Key.$ and runs one child per item', async () => {
      // Prepare
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 5 });
      // Act
      const res = await run(sweepDefinition(), s3, sweep);
      // Assess
      expect(res.status).toBe('SUCCEEDED');
      expect(s3.reads).toContain(`${BUCKET}/sweeps/sw-1/manifest.json`);
      const inputs = sweep.trialCalls().map((c) => c.payload as { sweepId: string; index: number; trial: { i: number } });
      expect(inputs.map((p) => p.trial.i).sort()).toEqual([0, 1, 2, 3, 4]);
      // ItemSelector: $ is the Map's input, $$.Map.Item.* the item.
      for (const p of inputs) expect(p).toEqual({ sweepId: 'sw-1', index: p.trial.i, trial: { i: p.trial.i, lambda: p.trial.i / 10 } });
    });

    it('honours ReaderConfig.ItemsPointer and MaxItems', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { writeManifest: false });
      await s3.writeJson(BUCKET, 'sweeps/sw-1/manifest.json', { items: [0, 1, 2, 3].map((i) => ({ i })) });
      const def = sweepDefinition();
      (runTrials(def).ItemReader as { ReaderConfig: object }).ReaderConfig = { InputType: 'JSON', ItemsPointer: '/items', MaxItems: 3 };
      const res = await run(def, s3, sweep);
      expect(res.status).toBe('SUCCEEDED');
      expect(sweep.trialCalls()).toHaveLength(3);
    });

    it('fails the Map with States.ItemReaderFailed when the object does not exist (caught by the Map Catch)', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { writeManifest: false });
      const res = await run(sweepDefinition(), s3, sweep);
      expect(res).toMatchObject({ status: 'FAILED', error: 'TrialsFailed' });
      expect(res.cause).toContain('s3://regsweep-local/sweeps/sw-1/manifest.json');
      expect(sweep.trialCalls()).toHaveLength(0);
    });

    it('runs Retry on the Map as written (the reader is retried)', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { writeManifest: false });
      const def = sweepDefinition();
      runTrials(def).Retry = [{ ErrorEquals: ['States.ItemReaderFailed'], MaxAttempts: 2, IntervalSeconds: 1 }];
      const res = await run(def, s3, sweep);
      expect(res.status).toBe('FAILED');
      expect(s3.reads.filter((k) => k.endsWith('manifest.json'))).toHaveLength(3);
    });
  });

  describe('MaxConcurrency', () => {
    it.each([1, 2, 3])('never has more than %i children in flight', async (maxConcurrency) => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 8, trialMs: 40 });
      const def = sweepDefinition();
      runTrials(def).MaxConcurrency = maxConcurrency;
      const res = await run(def, s3, sweep);
      expect(res.status).toBe('SUCCEEDED');
      expect(sweep.trialCalls()).toHaveLength(8);
      expect(sweep.maxInFlight).toBe(maxConcurrency);
    });

    it('runs all items at once when MaxConcurrency is 0 (unbounded)', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 6, trialMs: 40 });
      const def = sweepDefinition();
      runTrials(def).MaxConcurrency = 0;
      await run(def, s3, sweep);
      expect(sweep.maxInFlight).toBe(6);
    });
    describe('with fewer Lambda workers than MaxConcurrency (the local pool)', () => {
      /** TrialFn behind a pool of `workers` (invocations beyond them wait in a queue, as in local/lambda-pool.ts), its Task timing out after 1 s. */
      async function queued(workers: number, mapConcurrencyCap?: number) {
        const s3 = new MemoryS3();
        const sweep = fakeSweep(s3, { items: 6, trialMs: 400 });
        let busy = 0;
        const waiting: (() => void)[] = [];
        const invokeLambda = async (fn: string, payload: unknown) => {
          if (!fn.endsWith(':TrialFn')) return sweep.invokeLambda(fn, payload);
          if (busy >= workers) await new Promise<void>((r) => waiting.push(r));
          busy++;
          try {
            return await sweep.invokeLambda(fn, payload);
          } finally {
            busy--;
            waiting.shift()?.();
          }
        };
        const def = withoutCatch(sweepDefinition());
        runTrials(def).MaxConcurrency = 0;
        (runTrials(def).ItemProcessor as { States: { TrainTrial: Record<string, unknown> } }).States.TrainTrial.TimeoutSeconds = 1;
        const res = await runStateMachine({
          definition: def,
          invokeLambda,
          readJson: s3.readJson,
          writeJson: s3.writeJson,
          input: { sweepId: 'sw-1' },
          retryIntervalOverrides: { RunTrials: 0, TrainTrial: 0 },
          validate: false,
          mapConcurrencyCap,
        });
        return { res, sweep };
      }

      it('without a cap, children queued for a worker spend their Task timeout waiting (what the cap prevents)', async () => {
        const { res } = await queued(1);
        expect(res).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
        expect(res.cause).toMatch(/[2-6] of 6 items failed/);
      });

      it('capped to the workers, a Task timeout starts when a worker starts the invocation: every trial succeeds', async () => {
        const { res, sweep } = await queued(1, 1);
        expect(res.status).toBe('SUCCEEDED');
        expect(sweep.trialCalls()).toHaveLength(6);
        expect(sweep.maxInFlight).toBe(1);
      });
    });
  });

  describe('ToleratedFailurePercentage / ToleratedFailureCount', () => {
    it('goes on when the failed share is at the threshold (2 of 8 = 25% <= 25%)', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 8, failing: [1, 6] });
      const res = await run(sweepDefinition(), s3, sweep);
      expect(res.status).toBe('SUCCEEDED');
      expect(sweep.calls.map((c) => c.fn)).toContain('AggregateFn');
    });

    it('fails the Map with States.ExceedToleratedFailureThreshold over the threshold (3 of 8 > 25%)', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 8, failing: [1, 4, 6] });
      const def = sweepDefinition();
      withoutCatch(def);
      const res = await run(def, s3, sweep);
      expect(res.status).toBe('FAILED');
      expect(res.error).toBe('States.ExceedToleratedFailureThreshold');
      expect(res.cause).toMatch(/^The specified tolerated failure threshold was exceeded\. 3 of 8 items failed/);
      expect(sweep.calls.map((c) => c.fn)).not.toContain('AggregateFn');
    });

    it('routes the failure through the Map Catch to the Fail state, whose cause is the error Cause', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 8, failing: [1, 4, 6] });
      const res = await run(sweepDefinition(), s3, sweep);
      expect(res.status).toBe('FAILED');
      expect(res.error).toBe('TrialsFailed'); // the Fail state's Error
      expect(res.cause).toContain('3 of 8 items failed (ToleratedFailurePercentage 25)');
      expect(res.cause).toMatch(/Results: s3:\/\/regsweep-local\/sweeps\/sw-1\/map-results\/[0-9a-f-]{36}\/manifest\.json$/);
    });

    it.each([
      [1, [3], 'SUCCEEDED'],
      [1, [3, 5], 'FAILED'],
      [0, [3], 'FAILED'],
    ] as const)('ToleratedFailureCount %i with failing items %j -> %s', async (count, failing, status) => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 8, failing });
      const def = sweepDefinition();
      delete runTrials(def).ToleratedFailurePercentage;
      withoutCatch(def);
      runTrials(def).ToleratedFailureCount = count;
      const res = await run(def, s3, sweep);
      expect(res.status).toBe(status);
      if (status === 'FAILED') expect(res.error).toBe('States.ExceedToleratedFailureThreshold');
    });

    it('tolerates no failure when neither field is set', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 8, failing: [7] });
      const def = sweepDefinition();
      delete runTrials(def).ToleratedFailurePercentage;
      withoutCatch(def);
      const res = await run(def, s3, sweep);
      expect(res).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
    });

    it('reads the thresholds from ToleratedFailurePercentagePath', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 4, failing: [0, 1] });
      const def = sweepDefinition();
      delete runTrials(def).ToleratedFailurePercentage;
      runTrials(def).ToleratedFailurePercentagePath = '$.tolerance';
      (def.States.PlanSweep as MapState).ResultSelector = {
        'sweepId.$': '$.Payload.sweepId',
        'manifestKey.$': '$.Payload.manifestKey',
        tolerance: 50,
      };
      const res = await run(def, s3, sweep);
      expect(res.status).toBe('SUCCEEDED');
    });

    it('stops starting new items once the threshold is exceeded', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 20, failing: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], trialMs: 5 });
      const def = sweepDefinition();
      runTrials(def).MaxConcurrency = 1;
      const res = await run(def, s3, sweep);
      expect(res.status).toBe('FAILED');
      // 25% of 20 = 5 tolerated: the 6th failure (item 5) ends the run with items 6..19 never started.
      expect(sweep.trialCalls()).toHaveLength(6);
      expect(res.cause).toContain('6 of 20 items failed (ToleratedFailurePercentage 25); 14 not started.');
    });
  });

  describe('ItemBatcher', () => {
    type Batch = { BatchInput?: unknown; Items: { sweepId: string; index: number; trial: { i: number } }[] };
    const batches = (sweep: ReturnType<typeof fakeSweep>) => sweep.trialCalls().map((c) => c.payload as Batch);

    it('hands each child { BatchInput, Items }: MaxItemsPerBatch items in manifest order, ItemSelector applied to each item', async () => {
      // Prepare
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 8 });
      const def = sweepDefinition();
      runTrials(def).MaxConcurrency = 1;
      runTrials(def).ItemBatcher = { MaxItemsPerBatch: 3, BatchInput: { 'sweepId.$': '$.sweepId', fixed: 1 } };
      // Act
      const res = await run(def, s3, sweep);
      // Assess
      expect(res.status).toBe('SUCCEEDED');
      const got = batches(sweep);
      expect(got.map((b) => b.Items.map((i) => i.trial.i))).toEqual([
        [0, 1, 2],
        [3, 4, 5],
        [6, 7],
      ]);
      for (const b of got) {
        expect(Object.keys(b).sort()).toEqual(['BatchInput', 'Items']);
        expect(b.BatchInput).toEqual({ sweepId: 'sw-1', fixed: 1 });
        for (const item of b.Items) expect(item).toEqual({ sweepId: 'sw-1', index: item.trial.i, trial: { i: item.trial.i, lambda: item.trial.i / 10 } });
      }
    });

    it('reads MaxItemsPerBatchPath from the input, and leaves BatchInput out when the field is absent', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 5 });
      const def = sweepDefinition();
      runTrials(def).MaxConcurrency = 1;
      runTrials(def).ItemBatcher = { MaxItemsPerBatchPath: '$.batchSize' };
      (def.States.PlanSweep as MapState).ResultSelector = { 'sweepId.$': '$.Payload.sweepId', 'manifestKey.$': '$.Payload.manifestKey', batchSize: 4 };
      const res = await run(def, s3, sweep);
      expect(res.status).toBe('SUCCEEDED');
      expect(batches(sweep).map((b) => b.Items.length)).toEqual([4, 1]);
      expect(batches(sweep).every((b) => !('BatchInput' in b))).toBe(true);
    });

    it('closes a batch before its input would exceed MaxInputBytesPerBatch, and refuses an item that fits in no batch', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 8 });
      const def = sweepDefinition();
      runTrials(def).MaxConcurrency = 1;
      const item = { sweepId: 'sw-1', index: 0, trial: { i: 0, lambda: 0.1 } };
      const limit = Buffer.byteLength(JSON.stringify({ Items: [item, item, item] })); // about 3 items a batch
      runTrials(def).ItemBatcher = { MaxInputBytesPerBatch: limit };
      const res = await run(def, s3, sweep);
      expect(res.status).toBe('SUCCEEDED');
      const got = batches(sweep);
      expect(got.flatMap((b) => b.Items.map((i) => i.trial.i))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(got.length).toBeGreaterThan(2);
      got.forEach((b, k) => {
        expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThanOrEqual(limit);
        // maximal: the next batch's first item would not have fitted
        if (k + 1 < got.length) expect(Buffer.byteLength(JSON.stringify({ Items: [...b.Items, got[k + 1].Items[0]] }))).toBeGreaterThan(limit);
      });

      const tooSmall = sweepDefinition();
      runTrials(tooSmall).ItemBatcher = { MaxInputBytesPerBatch: 20 };
      const small = new MemoryS3();
      const refused = await run(tooSmall, small, fakeSweep(small, { items: 2 }));
      expect(refused).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
      expect(refused.cause).toMatch(/does not fit in a batch of MaxInputBytesPerBatch 20/);
    });

    it.each([
      [{ MaxItemsPerBatch: 0 }, /invalid MaxItemsPerBatch 0/],
      [{ MaxInputBytesPerBatch: 262_145 }, /invalid MaxInputBytesPerBatch 262145/],
      [{ BatchInput: {} }, /needs MaxItemsPerBatch\(Path\) or MaxInputBytesPerBatch\(Path\)/],
    ])('fails the map run with States.Runtime for ItemBatcher %j', async (batcher, message) => {
      const s3 = new MemoryS3();
      const def = sweepDefinition();
      runTrials(def).ItemBatcher = batcher;
      const res = await run(def, s3, fakeSweep(s3, { items: 2 }));
      expect(res).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
      expect(res.cause).toMatch(message);
    });

    it('ToleratedFailurePercentage counts the items of a failed batch (2 of 8 = 25% goes on; 4 of 8 fails)', async () => {
      const runWith = async (failing: number[]) => {
        const s3 = new MemoryS3();
        const sweep = fakeSweep(s3, { items: 8, failing });
        const def = withoutCatch(sweepDefinition());
        runTrials(def).ItemBatcher = { MaxItemsPerBatch: 2 };
        return { res: await run(def, s3, sweep), sweep };
      };
      const under = await runWith([3]); // batch [2, 3] fails
      expect(under.res.status).toBe('SUCCEEDED');
      expect(under.sweep.trialCalls()).toHaveLength(4);
      const over = await runWith([3, 4]); // batches [2, 3] and [4, 5]
      expect(over.res).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
      expect(over.res.cause).toMatch(/4 of 8 items failed \(ToleratedFailurePercentage 25\)/);
    });

    it("reports each child's item count in its events, and writes one result per batch", async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 5 });
      const def = sweepDefinition();
      runTrials(def).ItemBatcher = { MaxItemsPerBatch: 2 };
      const events: MapRunEvent[] = [];
      const res = await runStateMachine({
        definition: def,
        invokeLambda: sweep.invokeLambda,
        readJson: s3.readJson,
        writeJson: s3.writeJson,
        input: { sweepId: 'sw-1' },
        validate: false,
        onEvent: (e) => {
          if ('stateName' in e) events.push(e);
        },
      });
      expect(res.status).toBe('SUCCEEDED');
      expect(events.find((e) => e.type === 'MapRunStarted')).toMatchObject({ total: 3, items: 5 });
      const done = events.flatMap((e) => (e.type === 'MapItemSucceeded' ? [e.items] : []));
      expect(done.sort()).toEqual([1, 2, 2]);
      const succeeded = s3.keys('sweeps/sw-1/map-results/').find((k) => k.endsWith('SUCCEEDED_0.json'))!;
      const rows = s3.get(succeeded) as { Input: string; Output: string }[];
      expect(rows).toHaveLength(3);
      for (const r of rows) expect((JSON.parse(r.Output) as { trials: unknown[] }).trials).toHaveLength((JSON.parse(r.Input) as Batch).Items.length);
    });
  });

  describe('ResultWriter', () => {
    it('writes manifest.json, SUCCEEDED_0.json and FAILED_0.json under <Prefix>/<mapRunId>/ and returns their location', async () => {
      // Prepare
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 4, failing: [2] });
      // Act
      const res = await run(sweepDefinition(), s3, sweep);
      // Assess: the Map's output (ResultPath $.mapRun) as Step Functions gives it with a ResultWriter.
      expect(res.status).toBe('SUCCEEDED');
      const aggregateInput = sweep.calls.find((c) => c.fn === 'AggregateFn')!.payload as {
        mapRun: { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } };
      };
      const { MapRunArn, ResultWriterDetails } = aggregateInput.mapRun;
      expect(MapRunArn).toMatch(/^arn:aws:states:us-east-1:000000000000:mapRun:LocalStateMachine\/RunTrials:[0-9a-f-]{36}$/);
      const mapRunId = MapRunArn.split(':').pop();
      expect(ResultWriterDetails).toEqual({ Bucket: BUCKET, Key: `sweeps/sw-1/map-results/${mapRunId}/manifest.json` });

      const folder = `sweeps/sw-1/map-results/${mapRunId}`;
      const manifest = s3.get(`${folder}/manifest.json`) as {
        DestinationBucket: string;
        MapRunArn: string;
        ResultFiles: Record<string, { Key: string; Size: number }[]>;
      };
      expect(manifest).toMatchObject({ DestinationBucket: BUCKET, MapRunArn });
      expect(manifest.ResultFiles.PENDING).toEqual([]);
      expect(manifest.ResultFiles.SUCCEEDED.map((f) => f.Key)).toEqual([`${folder}/SUCCEEDED_0.json`]);
      expect(manifest.ResultFiles.FAILED.map((f) => f.Key)).toEqual([`${folder}/FAILED_0.json`]);
      expect(manifest.ResultFiles.SUCCEEDED[0].Size).toBe(JSON.stringify(s3.get(`${folder}/SUCCEEDED_0.json`)).length);

      const succeeded = s3.get(`${folder}/SUCCEEDED_0.json`) as Record<string, unknown>[];
      expect(succeeded).toHaveLength(3);
      for (const r of succeeded) {
        expect(r).toMatchObject({ Status: 'SUCCEEDED', InputDetails: { Included: true }, OutputDetails: { Included: true } });
        expect(r.ExecutionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:execution:LocalStateMachine\/RunTrials:/);
        const input = JSON.parse(r.Input as string) as { trial: { i: number } };
        expect(JSON.parse(r.Output as string)).toEqual({ trialId: `t-${input.trial.i}`, valLoss: 1 / (input.trial.i + 1) });
      }
      const failed = s3.get(`${folder}/FAILED_0.json`) as Record<string, unknown>[];
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ Status: 'FAILED', Error: 'TrialError' });
      expect(JSON.parse(failed[0].Cause as string)).toMatchObject({ errorType: 'TrialError', errorMessage: 'trial 2 diverged' });
      expect(failed[0].Output).toBeUndefined();
    });

    it('writes the results also when the map run fails', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 4, failing: [0, 1, 2, 3] });
      const res = await run(sweepDefinition(), s3, sweep);
      expect(res.status).toBe('FAILED');
      const keys = s3.keys('sweeps/sw-1/map-results/');
      expect(keys.some((k) => k.endsWith('/FAILED_0.json'))).toBe(true);
      expect(keys.some((k) => k.endsWith('/SUCCEEDED_0.json'))).toBe(false);
      expect(keys.some((k) => k.endsWith('/manifest.json'))).toBe(true);
    });

    it('without a ResultWriter, returns the child outputs in item order (a tolerated failure as its record)', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 4, failing: [2], trialMs: 5 });
      const def = sweepDefinition();
      delete runTrials(def).ResultWriter;
      runTrials(def).MaxConcurrency = 4;
      const res = await run(def, s3, sweep);
      const { mapRun } = sweep.calls.find((c) => c.fn === 'AggregateFn')!.payload as { mapRun: unknown[] };
      expect(res.status).toBe('SUCCEEDED');
      expect(mapRun).toHaveLength(4);
      expect(mapRun[0]).toEqual({ trialId: 't-0', valLoss: 1 });
      expect(mapRun[3]).toEqual({ trialId: 't-3', valLoss: 0.25 });
      expect(mapRun[2]).toMatchObject({ Status: 'FAILED', Error: 'TrialError' });
      expect(s3.writes).toHaveLength(1); // only PlanFn's manifest
    });

    it('applies WriterConfig.Transformation COMPACT to the written results', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 2 });
      const def = sweepDefinition();
      (runTrials(def).ResultWriter as Record<string, unknown>).WriterConfig = { OutputType: 'JSON', Transformation: 'COMPACT' };
      await run(def, s3, sweep);
      const key = s3.keys('sweeps/sw-1/map-results/').find((k) => k.endsWith('SUCCEEDED_0.json'))!;
      expect((s3.get(key) as unknown[]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
        { trialId: 't-0', valLoss: 1 },
        { trialId: 't-1', valLoss: 0.5 },
      ]);
    });
  });

  describe('transformDistributedMaps', () => {
    it('replaces a Distributed Map by a Task that keeps its I/O processing, Retry, Catch and transitions', () => {
      const def = sweepDefinition();
      runTrials(def).Retry = [{ ErrorEquals: ['States.TaskFailed', 'States.ItemReaderFailed'], MaxAttempts: 1 }];
      runTrials(def).InputPath = '$';
      runTrials(def).OutputPath = '$';
      const { definition, maps } = transformDistributedMaps(def);
      const task = definition.States.RunTrials;
      expect(task).toMatchObject({
        Type: 'Task',
        Resource: EMULATED_MAP_RESOURCE,
        InputPath: '$',
        OutputPath: '$',
        ResultPath: '$.mapRun',
        Next: 'Aggregate',
        Catch: runTrials(def).Catch,
      });
      expect(task.ItemReader).toBeUndefined();
      expect(task.ItemSelector).toBeUndefined();
      expect((task.Retry as { ErrorEquals: string[] }[])[0].ErrorEquals).toEqual(['States.TaskFailed (not matched on a Map state)', 'States.ItemReaderFailed']);
      expect(maps.get('RunTrials')).toEqual(runTrials(def));
      expect(runTrials(def).Type).toBe('Map'); // the input is not modified
    });

    it('replaces Distributed Maps nested in Parallel branches, and leaves inline Maps to the library', () => {
      const inner = { ...runTrials(sweepDefinition()), Next: undefined, End: true, Catch: undefined };
      const def = {
        StartAt: 'P',
        States: {
          P: { Type: 'Parallel', Branches: [{ StartAt: 'RunTrials', States: { RunTrials: inner } }], Next: 'Inline' },
          Inline: {
            Type: 'Map',
            ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'X', States: { X: { Type: 'Pass', End: true } } },
            End: true,
          },
        },
      };
      const { definition, maps } = transformDistributedMaps(def);
      const branch = (definition.States.P.Branches as { States: Record<string, AslState> }[])[0];
      expect(branch.States.RunTrials.Type).toBe('Task');
      expect(definition.States.Inline.Type).toBe('Map');
      expect([...maps.keys()]).toEqual(['RunTrials']);
    });

    it.each([
      ['ItemBatcher in JSONata', (m: MapState) => (m.ItemBatcher = { MaxItemsPerBatch: 2, Arguments: {} }), /ItemBatcher Arguments \(JSONata\)/],
      ['CSV input', (m: MapState) => ((m.ItemReader as { ReaderConfig: object }).ReaderConfig = { InputType: 'CSV' }), /InputType "CSV"/],
      ['listObjectsV2', (m: MapState) => ((m.ItemReader as { Resource: string }).Resource = 'arn:aws:states:::s3:listObjectsV2'), /listObjectsV2/],
      ['JSONL output', (m: MapState) => ((m.ResultWriter as Record<string, unknown>).WriterConfig = { OutputType: 'JSONL' }), /OutputType "JSONL"/],
    ])('refuses what it does not emulate: %s', (_what, mutate, message) => {
      const def = sweepDefinition();
      mutate(runTrials(def));
      expect(() => transformDistributedMaps(def)).toThrow(UnsupportedMapFeatureError);
      expect(() => transformDistributedMaps(def)).toThrow(message);
    });
  });
});
