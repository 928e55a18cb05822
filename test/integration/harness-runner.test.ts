/**
 * The runner: the seam where a Task meets a handler (Lambda integration shapes, errors as Lambda reports them,
 * timeouts), the safety checks (nothing may reach AWS), and the Node 20 polyfill the library needs.
 */
import { expect } from '@jest/globals';
import * as path from 'node:path';
import { LambdaPool } from '../../local/lambda-pool';
import { installPolyfills, promiseWithResolvers } from '../../local/polyfills';
import { MAX_LOCAL_TIMEOUT_SECONDS } from '../../local/distributed-map';
import { UnsupportedDefinitionError, prepareDefinition, runStateMachine, validateDefinition, type RunStateMachineOptions } from '../../local/runner';
import { MemoryS3, TrialError, fakeSweep, sweepDefinition } from '../fixtures/harness/fakes';

const ECHO_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:Echo';

class SpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecError';
  }
}

function run(definition: object, invokeLambda: RunStateMachineOptions['invokeLambda'], extra: Partial<RunStateMachineOptions> = {}) {
  const s3 = new MemoryS3();
  return runStateMachine({
    definition,
    invokeLambda,
    readJson: s3.readJson,
    writeJson: s3.writeJson,
    input: { x: 1 },
    validate: false,
    ...extra,
  });
}

const invokeThenDirect = {
  StartAt: 'Invoke',
  States: {
    Invoke: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: ECHO_ARN, 'Payload.$': '$' },
      ResultPath: '$.invoke',
      Next: 'Direct',
    },
    Direct: { Type: 'Task', Resource: ECHO_ARN, InputPath: '$.invoke.Payload', ResultPath: '$.direct', End: true },
  },
};

/** One Lambda Task with the given Retry/Catch, a Pass state to catch into. */
function oneTask(extra: Record<string, unknown>) {
  return {
    StartAt: 'Work',
    States: {
      Work: { Type: 'Task', Resource: ECHO_ARN, End: true, ...extra },
      Handled: { Type: 'Pass', End: true },
    },
  };
}

describe('Promise.withResolvers polyfill', () => {
  it('is installed, and behaves as specified', async () => {
    expect(typeof Promise.withResolvers).toBe('function');
    expect(installPolyfills()).toEqual([]); // idempotent
    const { promise, resolve } = promiseWithResolvers.call(Promise) as PromiseWithResolvers<number>;
    resolve(42);
    await expect(promise).resolves.toBe(42);
    const { promise: p2, reject } = Promise.withResolvers<number>();
    reject(new Error('no'));
    await expect(p2).rejects.toThrow('no');
  });

  it('uses `this` as the constructor and rejects a non-constructor', () => {
    class MyPromise<T> extends Promise<T> {}
    expect(promiseWithResolvers.call(MyPromise).promise).toBeInstanceOf(MyPromise);
    expect(() => promiseWithResolvers.call({})).toThrow(TypeError);
  });
});

describe('runStateMachine', () => {
  describe('Lambda tasks', () => {
    it('gives lambda:invoke the integration shape { StatusCode, Payload } and a direct ARN the bare result', async () => {
      // Prepare
      const calls: [string, unknown][] = [];
      const invoke = (fn: string, payload: unknown) => {
        calls.push([fn, payload]);
        return Promise.resolve({ echoed: payload });
      };
      // Act
      const res = await run(invokeThenDirect, invoke);
      // Assess
      expect(res.status).toBe('SUCCEEDED');
      const out = res.output as { invoke: Record<string, unknown>; direct: unknown };
      expect(out.invoke).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST', Payload: { echoed: { x: 1 } } });
      expect(out.direct).toEqual({ echoed: { echoed: { x: 1 } } });
      expect(calls.map(([fn]) => fn)).toEqual([ECHO_ARN, ECHO_ARN]);
    });

    it('turns a handler error into Error = its name and Cause = Lambda JSON, matched by name in Catch', async () => {
      const invoke = () => Promise.reject(new SpecError('lambda must be >= 0, got -1'));
      const res = await run(oneTask({ Catch: [{ ErrorEquals: ['SpecError'], ResultPath: '$.error', Next: 'Handled' }] }), invoke);
      expect(res.status).toBe('SUCCEEDED');
      const { error } = res.output as { error: { Error: string; Cause: string } };
      expect(error.Error).toBe('SpecError');
      expect(JSON.parse(error.Cause)).toMatchObject({ errorType: 'SpecError', errorMessage: 'lambda must be >= 0, got -1' });
      expect((JSON.parse(error.Cause) as { trace: string[] }).trace[0]).toContain('SpecError: lambda must be >= 0');
    });

    it('fails the execution with the handler error when nothing catches it', async () => {
      const res = await run(oneTask({}), () => Promise.reject(new TrialError('diverged')));
      expect(res).toMatchObject({ status: 'FAILED', error: 'TrialError' });
      expect(JSON.parse(res.cause as string)).toMatchObject({ errorType: 'TrialError', errorMessage: 'diverged' });
    });

    it('matches a handler error with States.TaskFailed, as in the cloud', async () => {
      const res = await run(oneTask({ Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Handled' }] }), () => Promise.reject(new TrialError('diverged')));
      expect(res.status).toBe('SUCCEEDED');
    });

    it('retries by error name as written (Retry on Sandbox.Timedout)', async () => {
      let n = 0;
      const invoke = () => {
        n++;
        if (n < 3) return Promise.reject(Object.assign(new Error('Task timed out after 3.00 seconds'), { name: 'Sandbox.Timedout' }));
        return Promise.resolve('ok');
      };
      const res = await run(oneTask({ Retry: [{ ErrorEquals: ['Sandbox.Timedout'], MaxAttempts: 2 }] }), invoke, {
        retryIntervalOverrides: { Work: 0 },
      });
      expect(res).toMatchObject({ status: 'SUCCEEDED', output: 'ok' });
      expect(n).toBe(3);
    });

    it('routes real worker-thread errors (LambdaPool) through Retry/Catch by name', async () => {
      const pool = new LambdaPool({
        size: 1,
        functions: {
          Echo: { bundlePath: path.join(__dirname, '..', 'fixtures', 'harness', 'handlers', 'sleep.js'), timeoutSeconds: 0.2 },
        },
      });
      try {
        const res = await runStateMachine({
          definition: oneTask({ Parameters: { ms: 2000 }, Catch: [{ ErrorEquals: ['Sandbox.Timedout'], ResultPath: '$.error', Next: 'Handled' }] }),
          invokeLambda: (fn, payload) => pool.invoke(fn, payload),
          readJson: () => Promise.resolve(undefined),
          writeJson: () => Promise.resolve(),
          input: {},
        });
        expect(res.status).toBe('SUCCEEDED');
        const { error } = res.output as { error: { Error: string; Cause: string } };
        expect(error.Error).toBe('Sandbox.Timedout');
        expect(JSON.parse(error.Cause)).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 0.20 seconds' });
      } finally {
        await pool.close();
      }
    });
  });

  describe('Task timeouts', () => {
    it('gives Tasks without TimeoutSeconds the largest local timeout instead of the library default of 60 s', () => {
      const { definition, tasks } = prepareDefinition(sweepDefinition());
      expect(definition.States.PlanSweep.TimeoutSeconds).toBe(MAX_LOCAL_TIMEOUT_SECONDS);
      expect(definition.States.Aggregate.TimeoutSeconds).toBe(600); // as written
      expect(tasks).toEqual(
        expect.arrayContaining([
          { stateName: 'PlanSweep', kind: 'lambda:invoke', functionName: 'arn:aws:lambda:us-east-1:000000000000:function:PlanFn' },
          { stateName: 'RunTrials', kind: 'distributedMap' },
          { stateName: 'TrainTrial', kind: 'lambda:invoke', functionName: 'arn:aws:lambda:us-east-1:000000000000:function:TrialFn' },
          { stateName: 'Aggregate', kind: 'lambda', functionName: 'arn:aws:lambda:us-east-1:000000000000:function:AggregateFn' },
        ]),
      );
      // Tasks inside the Distributed Map's item processor too.
      const trial = (prepareDefinition(sweepDefinition()).maps.get('RunTrials')!.ItemProcessor as { States: Record<string, { TimeoutSeconds?: number }> })
        .States.TrainTrial;
      expect(trial.TimeoutSeconds).toBe(MAX_LOCAL_TIMEOUT_SECONDS);
    });

    it('still applies a TimeoutSeconds written on the Task (States.Timeout)', async () => {
      const res = await run(oneTask({ TimeoutSeconds: 1 }), () => new Promise((r) => setTimeout(() => r('late'), 1500)));
      expect(res).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    });
  });

  describe('safety and validation', () => {
    it.each([
      ['a non-Lambda resource', { Resource: 'arn:aws:states:::dynamodb:putItem' }, /dynamodb:putItem is not supported/],
      ['a callback pattern', { Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken' }, /waitForTaskToken is not supported/],
      ['JSONata', { QueryLanguage: 'JSONata' }, /JSONata is not supported/],
      ['variables', { Assign: { a: 1 } }, /Assign/],
    ])('refuses %s before invoking anything', async (_what, extra, message) => {
      const invoke = jest.fn();
      await expect(run(oneTask(extra), invoke)).rejects.toThrow(message);
      expect(invoke).not.toHaveBeenCalled();
    });

    it('refuses a non-Lambda Task inside a Distributed Map item processor (it would call AWS)', async () => {
      const def = sweepDefinition();
      const proc = (def.States.RunTrials as unknown as { ItemProcessor: { States: Record<string, Record<string, unknown>> } }).ItemProcessor;
      proc.States.TrainTrial.Resource = 'arn:aws:states:::sqs:sendMessage';
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3);
      await expect(run(def, sweep.invokeLambda)).rejects.toThrow(UnsupportedDefinitionError);
      expect(sweep.calls).toHaveLength(0);
    });

    it('refuses duplicate state names across nesting levels', () => {
      const def = sweepDefinition();
      const proc = (def.States.RunTrials as unknown as { ItemProcessor: { States: Record<string, unknown>; StartAt: string } }).ItemProcessor;
      proc.States.Aggregate = proc.States.TrainTrial;
      delete proc.States.TrainTrial;
      proc.StartAt = 'Aggregate';
      expect(() => prepareDefinition(def)).toThrow(/duplicate state name "Aggregate"/);
    });

    it('validates the definition as written with the library validator, without modifying it', async () => {
      const def = sweepDefinition();
      const before = JSON.stringify(def);
      expect(() => validateDefinition(def)).not.toThrow();
      expect(JSON.stringify(def)).toBe(before);
      const broken = { StartAt: 'A', States: { A: { Type: 'Pass', End: true }, Orphan: { Type: 'Pass', End: true } } };
      await expect(run(broken, jest.fn(), { validate: true })).rejects.toThrow(/Orphan is not reachable/);
    });
  });

  describe('execution results', () => {
    it('exposes the execution context ($$.Execution, $$.StateMachine)', async () => {
      const def = {
        StartAt: 'Ctx',
        States: {
          Ctx: {
            Type: 'Pass',
            Parameters: { 'name.$': '$$.Execution.Name', 'id.$': '$$.Execution.Id', 'sm.$': '$$.StateMachine.Name', 'input.$': '$$.Execution.Input' },
            End: true,
          },
        },
      };
      const res = await run(def, jest.fn(), {
        executionName: 'run-42',
        stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Sweep',
      });
      expect(res.executionArn).toBe('arn:aws:states:eu-west-1:123456789012:execution:Sweep:run-42');
      expect(res.output).toEqual({ name: 'run-42', id: res.executionArn, sm: 'Sweep', input: { x: 1 } });
    });

    it('reports a Fail state as Step Functions does: its Error, and no Cause when it has none', async () => {
      const res = await run({ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Nope' } } }, jest.fn());
      expect(res).toEqual({ status: 'FAILED', error: 'Nope', cause: undefined, executionArn: expect.any(String) });
    });

    it('evaluates an intrinsic function in a Fail state CausePath (States.Format), which the library cannot', async () => {
      const def = {
        StartAt: 'F',
        States: {
          F: {
            Type: 'Fail',
            Error: 'TooManyTrialsFailed',
            CausePath: "States.Format('{} trials failed, see s3://{}/', $.failed, $$.Execution.Name)",
          },
        },
      };
      const res = await run(def, jest.fn(), { input: { failed: 3 }, executionName: 'run-7', validate: true });
      expect(res).toMatchObject({ status: 'FAILED', error: 'TooManyTrialsFailed', cause: '3 trials failed, see s3://run-7/' });
      expect(prepareDefinition(def).fails.has('F')).toBe(true);
    });

    it('reports execution events and map run progress through onEvent', async () => {
      const s3 = new MemoryS3();
      const sweep = fakeSweep(s3, { items: 3 });
      const types: string[] = [];
      await run(sweepDefinition(), sweep.invokeLambda, {
        readJson: s3.readJson,
        writeJson: s3.writeJson,
        onEvent: (e) => types.push(e.type),
      });
      expect(types[0]).toBe('ExecutionStarted');
      expect(types).toContain('MapRunStarted');
      expect(types.filter((t) => t === 'MapItemSucceeded')).toHaveLength(3);
      expect(types).toContain('MapRunSucceeded');
      expect(types[types.length - 1]).toBe('ExecutionSucceeded');
    });
  });
});
