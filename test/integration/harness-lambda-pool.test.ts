import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LambdaFunctionError, LambdaPool, functionNameFromArn } from '../../local/lambda-pool';

const handlers = path.join(__dirname, '..', 'fixtures', 'harness', 'handlers');
const bundle = (name: string) => path.join(handlers, `${name}.js`);

describe('LambdaPool', () => {
  let pool: LambdaPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('reuses a warm worker: module-level state survives between invocations of the same function', async () => {
    // Prepare
    pool = new LambdaPool({ size: 1, functions: { Counter: { bundlePath: bundle('counter') } } });
    // Act
    const a = (await pool.invoke('Counter', { n: 1 })) as { count: number; threadId: number };
    const b = (await pool.invoke('Counter', { n: 2 })) as { count: number; threadId: number };
    // Assess
    expect(a.count).toBe(1);
    expect(b.count).toBe(2);
    expect(b.threadId).toBe(a.threadId);
    expect(pool.stats()).toMatchObject({ coldStarts: 1, warmStarts: 1, invocations: 2 });
  });

  it('does not count the init phase (loading the bundle) against the function timeout, as Lambda does', async () => {
    pool = new LambdaPool({ size: 1, functions: { SlowInit: { bundlePath: bundle('slow-init'), timeoutSeconds: 1 } } });
    await expect(pool.invoke('SlowInit', {})).resolves.toEqual({ ok: true });
    expect(pool.stats()).toMatchObject({ coldStarts: 1, invocations: 1 });
  });

  it('sets the function env in the worker before loading, and passes a Lambda-like context', async () => {
    pool = new LambdaPool({
      size: 1,
      functions: { Counter: { bundlePath: bundle('counter'), env: { GREETING: 'hello' }, memoryMb: 256, timeoutSeconds: 5 } },
    });
    const out = (await pool.invoke('arn:aws:lambda:us-east-1:000000000000:function:Counter', { a: [1, 2] })) as Record<string, unknown>;
    expect(out).toMatchObject({ greeting: 'hello', functionName: 'Counter', memoryLimitInMB: '256', event: { a: [1, 2] } });
    expect(out.remainingMs).toBeGreaterThan(4000);
    expect(out.remainingMs).toBeLessThanOrEqual(5000);
    // The parent's environment is untouched.
    expect(process.env.GREETING).toBeUndefined();
  });

  it('keeps env separate per function', async () => {
    pool = new LambdaPool({
      size: 2,
      functions: {
        A: { bundlePath: bundle('counter'), env: { GREETING: 'from A' } },
        B: { bundlePath: bundle('counter'), env: { GREETING: 'from B' } },
      },
    });
    const [a, b] = (await Promise.all([pool.invoke('A', {}), pool.invoke('B', {})])) as { greeting: string }[];
    expect(a.greeting).toBe('from A');
    expect(b.greeting).toBe('from B');
  });

  it.each([
    ['SpecError', 'invalid spec: lambda < 0'],
    ['TypeError', 'x is not a function'],
  ])('rejects with the handler error name as the error name (%s), like Lambda errorType', async (errorType, message) => {
    pool = new LambdaPool({ size: 1, functions: { Throws: { bundlePath: bundle('throws') } } });
    const err = await pool.invoke('Throws', { throw: errorType, reason: 'lambda < 0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LambdaFunctionError);
    expect(err).toMatchObject({ name: errorType, message, errorType, errorMessage: message });
    expect((err as LambdaFunctionError).trace[0]).toContain(message);
    // A handler error does not kill the container: the next call is warm.
    await expect(pool.invoke('Throws', {})).resolves.toEqual({ ok: true });
    expect(pool.stats().coldStarts).toBe(1);
  });

  it('reports a thrown non-Error like Lambda (errorType = typeof)', async () => {
    pool = new LambdaPool({ size: 1, functions: { Throws: { bundlePath: bundle('throws') } } });
    await expect(pool.invoke('Throws', { throw: 'string' })).rejects.toMatchObject({
      name: 'string',
      message: 'plain string',
    });
  });

  it('times out: rejects with Sandbox.Timedout, and replaces the worker', async () => {
    pool = new LambdaPool({ size: 1, functions: { Sleep: { bundlePath: bundle('sleep'), timeoutSeconds: 0.2 } } });
    const t0 = Date.now();
    const err = await pool.invoke('Sleep', { ms: 5000 }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toMatchObject({ name: 'Sandbox.Timedout', message: 'Task timed out after 0.20 seconds' });
    // The pool still works (a fresh worker).
    await expect(pool.invoke('Sleep', { ms: 10 })).resolves.toHaveProperty('threadId');
    expect(pool.stats()).toMatchObject({ coldStarts: 2, workers: 1 });
  });

  it('enforces the memory limit: rejects with Runtime.OutOfMemory', async () => {
    pool = new LambdaPool({ size: 1, functions: { Oom: { bundlePath: bundle('oom'), memoryMb: 32, timeoutSeconds: 20 } } });
    await expect(pool.invoke('Oom', {})).rejects.toMatchObject({ name: 'Runtime.OutOfMemory' });
    expect(pool.stats().workers).toBe(0);
  });

  it('runs N invocations at once on N workers', async () => {
    pool = new LambdaPool({ size: 2, functions: { Sleep: { bundlePath: bundle('sleep'), timeoutSeconds: 5 } } });
    const outs = (await Promise.all([pool.invoke('Sleep', { ms: 300 }), pool.invoke('Sleep', { ms: 300 })])) as {
      threadId: number;
      started: number;
      ended: number;
    }[];
    // the two sleeps overlap in time (whatever the cold starts cost on a busy machine): one ran while the other did
    expect(Math.max(...outs.map((o) => o.started))).toBeLessThan(Math.min(...outs.map((o) => o.ended)));
    expect(new Set(outs.map((o) => o.threadId)).size).toBe(2);
  });

  it('queues invocations beyond the pool size', async () => {
    pool = new LambdaPool({ size: 1, functions: { Sleep: { bundlePath: bundle('sleep'), timeoutSeconds: 5 } } });
    const outs = (await Promise.all([1, 2, 3].map(() => pool!.invoke('Sleep', { ms: 50 })))) as {
      started: number;
      ended: number;
    }[];
    const sorted = [...outs].sort((a, b) => a.started - b.started);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].started).toBeGreaterThanOrEqual(sorted[i - 1].ended);
    expect(pool.stats()).toMatchObject({ coldStarts: 1, workers: 1 });
  });

  it('keeps idle workers of other functions warm, and size caps what runs at once', async () => {
    pool = new LambdaPool({
      size: 1,
      functions: { A: { bundlePath: bundle('counter') }, B: { bundlePath: bundle('counter') } },
    });
    await pool.invoke('A', {});
    const b = (await pool.invoke('B', {})) as { count: number };
    const a = (await pool.invoke('A', {})) as { count: number };
    expect(b.count).toBe(1);
    expect(a.count).toBe(2); // A's container stayed warm while B ran
    expect(pool.stats()).toMatchObject({ coldStarts: 2, warmStarts: 1, workers: 2 });
    await pool.close();

    // `size` still caps what runs at once: two calls of one function run one after the other on one worker
    pool = new LambdaPool({
      size: 1,
      functions: { A: { bundlePath: bundle('counter') }, B: { bundlePath: bundle('counter') } },
    });
    await Promise.all([pool.invoke('A', {}), pool.invoke('A', {})]); // size 1: one at a time, on one worker
    expect(pool.stats()).toMatchObject({ coldStarts: 1, workers: 1 });
  });

  it('rejects an unknown function with ResourceNotFoundException, and reports init errors', async () => {
    pool = new LambdaPool({
      size: 1,
      functions: {
        Missing: { bundlePath: path.join(handlers, 'does-not-exist.js') },
        NoExport: { bundlePath: bundle('counter'), handlerExport: 'nope' },
      },
    });
    await expect(pool.invoke('Nope', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(pool.invoke('Missing', {})).rejects.toMatchObject({ name: 'Runtime.ImportModuleError' });
    await expect(pool.invoke('NoExport', {})).rejects.toMatchObject({
      name: 'Runtime.HandlerNotFound',
      message: 'counter.nope is undefined or not exported',
    });
  });

  it('prewarm runs the init phase ahead of the first invocation, which is then warm, within the worker cap', async () => {
    pool = new LambdaPool({
      size: 2,
      functions: { SlowInit: { bundlePath: bundle('slow-init'), timeoutSeconds: 5 }, Counter: { bundlePath: bundle('counter') } },
    });
    pool.prewarm('SlowInit', 2);
    pool.prewarm('SlowInit', 2); // already has 2: starts none
    pool.prewarm('Counter', 9); // the cap: size 2 + one per function = 4 workers
    pool.prewarm('Nope'); // unknown: ignored
    expect(pool.stats()).toMatchObject({ workers: 4, coldStarts: 4, invocations: 0, busy: 0 });
    await new Promise((r) => setTimeout(r, 2500)); // slow-init's 1.5 s init has run in both
    const t0 = Date.now();
    await expect(Promise.all([pool.invoke('SlowInit', {}), pool.invoke('SlowInit', {})])).resolves.toEqual([{ ok: true }, { ok: true }]);
    expect(Date.now() - t0).toBeLessThan(1000); // no 1.5 s init left on the invocations' path
    expect(pool.stats()).toMatchObject({ workers: 4, coldStarts: 4, warmStarts: 2, invocations: 2 });
  });

  it('a prewarm whose init fails reports nothing itself: the first invocation gets the init error', async () => {
    pool = new LambdaPool({ size: 1, functions: { NoExport: { bundlePath: bundle('counter'), handlerExport: 'nope' } } });
    pool.prewarm('NoExport');
    await expect(pool.invoke('NoExport', {})).rejects.toMatchObject({ name: 'Runtime.HandlerNotFound' });
    await new Promise((r) => setTimeout(r, 200));
    expect(pool.stats().workers).toBe(0);
  });

  it("compiles a bundle with V8's code cache when given a file for it: written after the first invocation, used, and rewritten when stale", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-code-cache-'));
    const cache = path.join(dir, 'counter.js.v8-code-cache');
    const functions = { Counter: { bundlePath: bundle('counter'), codeCachePath: cache, env: { GREETING: 'cached' } } };
    try {
      pool = new LambdaPool({ size: 1, functions });
      expect(await pool.invoke('Counter', { n: 1 })).toMatchObject({ count: 1, greeting: 'cached', event: { n: 1 } });
      await pool.close();
      const written = fs.readFileSync(cache);
      expect(written.length).toBeGreaterThan(0);
      // A new worker compiles with the cache and behaves the same; module state is its own.
      pool = new LambdaPool({ size: 1, functions });
      expect(await pool.invoke('Counter', { n: 2 })).toMatchObject({ count: 1, greeting: 'cached', event: { n: 2 } });
      await pool.close();
      expect(fs.readFileSync(cache).equals(written)).toBe(true); // accepted: not rewritten
      // A cache V8 rejects (garbage) is only slower: the bundle compiles from source and the cache is rewritten.
      fs.writeFileSync(cache, 'not a code cache');
      pool = new LambdaPool({ size: 1, functions });
      expect(await pool.invoke('Counter', { n: 3 })).toMatchObject({ count: 1, event: { n: 3 } });
      await pool.close();
      expect(fs.readFileSync(cache).toString()).not.toBe('not a code cache');
      // A missing bundle is still Lambda's import error.
      pool = new LambdaPool({ size: 1, functions: { Missing: { bundlePath: path.join(dir, 'nope.js'), codeCachePath: cache } } });
      await expect(pool.invoke('Missing', {})).rejects.toMatchObject({ name: 'Runtime.ImportModuleError' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an event that is not JSON-serializable before running anything', async () => {
    pool = new LambdaPool({ size: 1, functions: { Counter: { bundlePath: bundle('counter') } } });
    await expect(pool.invoke('Counter', { n: BigInt(1) })).rejects.toMatchObject({ name: 'InvalidRequestContentException' });
    expect(pool.stats().coldStarts).toBe(0);
  });

  it('hands the handlers log lines to onLog, by function and stream', async () => {
    const lines: string[] = [];
    pool = new LambdaPool({
      size: 1,
      functions: { Logger: { bundlePath: bundle('logger') } },
      onLog: (fn, stream, line) => lines.push(`${fn} ${stream} ${line}`),
    });
    await expect(pool.invoke('Logger', { name: 'sweep' })).resolves.toBe('logged');
    // Worker output arrives asynchronously.
    for (let i = 0; i < 50 && lines.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(lines).toEqual(expect.arrayContaining(['Logger stdout hello sweep', 'Logger stderr to stderr']));
  });

  it('close() rejects queued work and terminates the workers', async () => {
    pool = new LambdaPool({ size: 1, functions: { Sleep: { bundlePath: bundle('sleep'), timeoutSeconds: 5 } } });
    const running = pool.invoke('Sleep', { ms: 2000 }).catch((e: unknown) => e);
    const queued = pool.invoke('Sleep', { ms: 10 }).catch((e: unknown) => e);
    await pool.close();
    expect(await running).toMatchObject({ name: 'LambdaPoolClosedError' });
    expect(await queued).toMatchObject({ name: 'LambdaPoolClosedError' });
    expect(pool.stats().workers).toBe(0);
  });
});

describe('functionNameFromArn', () => {
  it.each([
    ['arn:aws:lambda:us-east-1:000000000000:function:PlanFn', 'PlanFn'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:PlanFn:live', 'PlanFn'],
    ['PlanFn', 'PlanFn'],
  ])('%s -> %s', (input, expected) => {
    expect(functionNameFromArn(input)).toBe(expected);
  });
});
