/**
 * The emulated Lambda service: bundled handlers run in a pool of worker threads, with Lambda-like behaviour.
 *
 * - One worker = one execution environment of one function. A worker that has served a function is reused for
 *   the next invocation of that function (warm start: the bundle stays loaded, module-level caches survive).
 * - At most `size` workers exist (default: os.availableParallelism()). When all are busy, invocations queue
 *   (FIFO). When a function needs a worker and the pool is full, an idle worker of another function is retired
 *   (least recently used first) and a fresh one started (cold start).
 * - The function's environment is the worker's `env` (a worker's process.env is its own copy), set before the
 *   bundle is loaded, together with the variables the Lambda runtime defines (AWS_LAMBDA_FUNCTION_NAME, ...).
 * - Timeout: the worker is terminated and replaced; the invocation rejects with `Sandbox.Timedout`,
 *   "Task timed out after N.NN seconds". The timer includes a cold start's init.
 * - Memory: the worker's V8 heap is limited (resourceLimits.maxOldGenerationSizeMb = memoryMb); running out
 *   rejects with `Runtime.OutOfMemory`. Memory outside the V8 heap (e.g. WebAssembly, native) is not counted.
 * - A handler error rejects with a LambdaFunctionError whose `name` is the handler's error name (Lambda's
 *   errorType) and whose message is its message (errorMessage); `trace` is its stack, like Lambda's payload.
 * - Events and results cross the boundary as JSON text, like Lambda's payloads.
 */
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as readline from 'node:readline';

export interface LambdaFunctionConfig {
  /** Absolute path of the CommonJS bundle (esbuild output) to load. */
  readonly bundlePath: string;
  /**
   * A file for V8's code cache of the bundle: the worker compiles the bundle with it (the cache is read if V8
   * accepts it for this source and this Node.js) and, after its first invocation, writes what it compiled when
   * the file was missing or stale. Loading the 7.6 MB trial bundle then takes ~0.19 s instead of ~0.3-0.4 s. The
   * directory must be the function's own (nothing else reads the file). @default - no code cache: plain require
   */
  readonly codeCachePath?: string;
  /** Name of the exported handler function. @default 'handler' */
  readonly handlerExport?: string;
  /** The function's environment variables. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Like Lambda's Timeout. @default 3 */
  readonly timeoutSeconds?: number;
  /** Like Lambda's MemorySize: the worker's V8 old-generation heap limit, in MB. @default 128 */
  readonly memoryMb?: number;
}

export interface LambdaPoolOptions {
  /** The functions this pool can run, by function name. */
  readonly functions: Readonly<Record<string, LambdaFunctionConfig>>;
  /** Maximum number of workers (concurrent executions). @default os.availableParallelism() */
  readonly size?: number;
  /** Start workers with the parent's environment underneath the function's. @default true */
  readonly inheritEnv?: boolean;
  /** Region and account used for AWS_REGION and invokedFunctionArn. @default us-east-1, 000000000000 */
  readonly region?: string;
  readonly accountId?: string;
  /** Receives each line the handlers write to stdout/stderr. @default lines go to the parent's stdout/stderr */
  readonly onLog?: (functionName: string, stream: 'stdout' | 'stderr', line: string) => void;
  /** Path of the worker script. @default local/lambda-worker.js next to this module */
  readonly workerScript?: string;
}

/** A function invocation failed (handler error, timeout, out of memory, init error). `name` is Lambda's errorType. */
export class LambdaFunctionError extends Error {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: string[];
  constructor(
    readonly functionName: string,
    error: { errorType: string; errorMessage: string; trace?: string[] },
  ) {
    super(error.errorMessage);
    this.name = error.errorType;
    this.errorType = error.errorType;
    this.errorMessage = error.errorMessage;
    this.trace = error.trace ?? [];
  }

  /** Lambda's error payload, as a Task state sees it in its Cause. */
  toJSON(): { errorType: string; errorMessage: string; trace: string[] } {
    return { errorType: this.errorType, errorMessage: this.errorMessage, trace: this.trace };
  }
}

/** The pool was closed while the invocation was queued or running. */
export class LambdaPoolClosedError extends Error {
  constructor(functionName: string) {
    super(`Lambda pool closed before ${functionName} finished`);
    this.name = 'LambdaPoolClosedError';
  }
}

export interface LambdaPoolStats {
  /** Workers alive now. */
  readonly workers: number;
  readonly busy: number;
  readonly queued: number;
  /** Workers started so far (cold starts). */
  readonly coldStarts: number;
  /** Invocations served by an already-initialized worker. */
  readonly warmStarts: number;
  readonly invocations: number;
}

const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_MB = 128;
/** Lambda's limit on a function's init phase, before the handler's own timeout starts. */
const INIT_LIMIT_SECONDS = 10;

/** `arn:aws:lambda:us-east-1:123:function:Name[:qualifier]` -> `Name`; a plain name is returned as is. */
export function functionNameFromArn(arnOrName: string): string {
  const m = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(arnOrName);
  return m ? m[1] : arnOrName;
}

interface Request {
  readonly fn: string;
  readonly event: string;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
}

interface Running {
  readonly id: string;
  readonly req: Request;
  timer: NodeJS.Timeout;
}

interface PoolWorker {
  readonly fn: string;
  readonly worker: Worker;
  state: 'idle' | 'busy' | 'dead';
  current?: Running;
  lastUsed: number;
  /** Has finished at least one invocation, so its bundle is loaded. */
  initialized: boolean;
}

export class LambdaPool {
  readonly size: number;
  private readonly functions: Readonly<Record<string, LambdaFunctionConfig>>;
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Request[] = [];
  private readonly workerScript: string;
  private readonly region: string;
  private readonly accountId: string;
  private closed = false;
  private coldStarts = 0;
  private warmStarts = 0;
  private invocations = 0;

  constructor(private readonly opts: LambdaPoolOptions) {
    this.size = opts.size ?? os.availableParallelism();
    if (!Number.isInteger(this.size) || this.size < 1) throw new RangeError(`size must be an integer >= 1, got ${opts.size}`);
    this.functions = opts.functions;
    for (const [name, cfg] of Object.entries(this.functions)) {
      if (!path.isAbsolute(cfg.bundlePath)) throw new Error(`function ${name}: bundlePath must be absolute, got ${cfg.bundlePath}`);
      const t = cfg.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      if (!(t > 0)) throw new RangeError(`function ${name}: timeoutSeconds must be > 0, got ${t}`);
      const m = cfg.memoryMb ?? DEFAULT_MEMORY_MB;
      if (!(m >= 1)) throw new RangeError(`function ${name}: memoryMb must be >= 1, got ${m}`);
    }
    this.workerScript = opts.workerScript ?? path.join(__dirname, 'lambda-worker.js');
    this.region = opts.region ?? 'us-east-1';
    this.accountId = opts.accountId ?? '000000000000';
  }

  /** Invokes a function (by name or ARN) with an event; resolves with its result (after a JSON round trip). */
  invoke(functionNameOrArn: string, event: unknown): Promise<unknown> {
    const fn = functionNameFromArn(functionNameOrArn);
    if (this.closed) return Promise.reject(new LambdaPoolClosedError(fn));
    if (!Object.prototype.hasOwnProperty.call(this.functions, fn)) {
      return Promise.reject(
        new LambdaFunctionError(fn, {
          errorType: 'ResourceNotFoundException',
          errorMessage: `Function not found: ${functionNameOrArn} (known: ${Object.keys(this.functions).join(', ') || 'none'})`,
        }),
      );
    }
    let json: string;
    try {
      json = JSON.stringify(event === undefined ? null : event);
    } catch (e) {
      // Lambda rejects a payload that is not JSON before anything runs.
      return Promise.reject(
        new LambdaFunctionError(fn, {
          errorType: 'InvalidRequestContentException',
          errorMessage: `Could not serialize the event: ${String(e)}`,
        }),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ fn, event: json, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Starts execution environments of `fn` ahead of its invocations, up to `count` of them (those it already has
   * included), and runs their init phase (loading the bundle) at once, as Lambda's provisioned concurrency does:
   * their first invocation is then a warm start. They count as cold starts, take no invocation slot and never
   * exceed the pool's worker cap (`size` plus one per function). A failed init is not reported here: the worker's
   * first invocation runs the init again, as a cold start, and fails with its error.
   */
  prewarm(fn: string, count = 1): void {
    if (this.closed || !Object.prototype.hasOwnProperty.call(this.functions, fn)) return;
    const cap = this.size + Object.keys(this.functions).length;
    let have = this.workers.filter((w) => w.fn === fn).length;
    while (have < count && this.workers.length < cap) {
      this.spawn(fn).worker.postMessage({ type: 'init' });
      have++;
    }
  }

  stats(): LambdaPoolStats {
    return {
      workers: this.workers.length,
      busy: this.workers.filter((w) => w.state === 'busy').length,
      queued: this.queue.length,
      coldStarts: this.coldStarts,
      warmStarts: this.warmStarts,
      invocations: this.invocations,
    };
  }

  /** Terminates every worker; queued and running invocations reject with LambdaPoolClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const req of this.queue.splice(0)) req.reject(new LambdaPoolClosedError(req.fn));
    const all = this.workers.splice(0);
    await Promise.all(
      all.map(async (w) => {
        const cur = w.current;
        this.retire(w);
        if (cur) cur.req.reject(new LambdaPoolClosedError(cur.req.fn));
        await w.worker.terminate().catch(() => undefined);
      }),
    );
  }

  private dispatch(): void {
    while (!this.closed && this.queue.length > 0) {
      const req = this.queue[0];
      let w = this.workers.filter((x) => x.state === 'idle' && x.fn === req.fn).sort((a, b) => b.lastUsed - a.lastUsed)[0];
      if (!w) {
        // `size` caps the invocations running at once. Idle workers of other functions stay warm, as Lambda
        // keeps execution environments per function, up to one extra per function; the least recently used
        // idle one makes room beyond that.
        if (this.workers.filter((x) => x.state === 'busy').length >= this.size) return; // wait for a worker
        if (this.workers.length >= this.size + Object.keys(this.functions).length) {
          const victim = this.workers.filter((x) => x.state === 'idle').sort((a, b) => a.lastUsed - b.lastUsed)[0];
          if (!victim) return;
          this.retire(victim);
          void victim.worker.terminate().catch(() => undefined);
        }
        w = this.spawn(req.fn);
      }
      this.queue.shift();
      this.run(w, req);
    }
  }

  private spawn(fn: string): PoolWorker {
    const cfg = this.functions[fn];
    const memoryMb = cfg.memoryMb ?? DEFAULT_MEMORY_MB;
    const env: Record<string, string> = {
      ...(this.opts.inheritEnv === false ? {} : (process.env as Record<string, string>)),
      AWS_LAMBDA_FUNCTION_NAME: fn,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn}`,
      LAMBDA_TASK_ROOT: path.dirname(cfg.bundlePath),
      AWS_REGION: process.env.AWS_REGION ?? this.region,
      AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION ?? process.env.AWS_REGION ?? this.region,
      ...(cfg.env ?? {}),
    };
    const onLog = this.opts.onLog;
    const worker = new Worker(this.workerScript, {
      workerData: { bundlePath: cfg.bundlePath, codeCachePath: cfg.codeCachePath, handlerExport: cfg.handlerExport ?? 'handler' },
      env,
      resourceLimits: { maxOldGenerationSizeMb: memoryMb },
      // A function runs its plain JS bundle, as in Lambda: no loader (tsx, a test runner's hooks) inherited
      // from the parent's command line; they cost a second of start-up per worker (bench/README.md).
      execArgv: [],
      stdout: onLog !== undefined,
      stderr: onLog !== undefined,
      name: `lambda:${fn}`,
    });
    if (onLog) {
      readline.createInterface({ input: worker.stdout }).on('line', (line) => onLog(fn, 'stdout', line));
      readline.createInterface({ input: worker.stderr }).on('line', (line) => onLog(fn, 'stderr', line));
    }
    const w: PoolWorker = { fn, worker, state: 'idle', lastUsed: Date.now(), initialized: false };
    this.workers.push(w);
    this.coldStarts++;
    worker.on('message', (msg: WorkerMessage) => this.onMessage(w, msg));
    worker.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        this.fail(w, {
          errorType: 'Runtime.OutOfMemory',
          errorMessage: `Runtime exited with error: out of memory (MemorySize ${memoryMb} MB)`,
        });
      } else {
        this.fail(w, { errorType: err.name || 'Runtime.ExitError', errorMessage: err.message, trace: err.stack?.split('\n') });
      }
    });
    worker.on('exit', (code) => {
      this.fail(w, { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: exit status ${code}` });
    });
    // Idle workers must not keep the process alive; a busy one is held by its timeout timer.
    worker.unref();
    return w;
  }

  private run(w: PoolWorker, req: Request): void {
    const cfg = this.functions[req.fn];
    const timeoutSeconds = cfg.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    const id = randomUUID();
    // As in Lambda, the init phase (loading the bundle) has its own limit; the function's timeout starts with
    // the handler (the worker reports 'started').
    const limit = w.initialized ? timeoutSeconds : INIT_LIMIT_SECONDS + timeoutSeconds;
    const timer = setTimeout(() => this.onTimeout(w, timeoutSeconds), limit * 1000);
    if (w.initialized) this.warmStarts++;
    this.invocations++;
    w.state = 'busy';
    w.current = { id, req, timer };
    w.lastUsed = Date.now();
    w.worker.postMessage({
      type: 'invoke',
      id,
      event: req.event,
      sentAt: Date.now(),
      deadline: Date.now() + timeoutSeconds * 1000,
      context: {
        functionName: req.fn,
        functionVersion: '$LATEST',
        invokedFunctionArn: `arn:aws:lambda:${this.region}:${this.accountId}:function:${req.fn}`,
        memoryLimitInMB: String(cfg.memoryMb ?? DEFAULT_MEMORY_MB),
        awsRequestId: id,
        logGroupName: `/aws/lambda/${req.fn}`,
        logStreamName: `local/[$LATEST]${w.worker.threadId}`,
      },
    });
  }

  private onMessage(w: PoolWorker, msg: WorkerMessage): void {
    if (msg?.type === 'initialized') {
      w.initialized = true;
      return;
    }
    if (msg?.type === 'started' && w.current?.id === msg.id && w.state !== 'dead') {
      const cur = w.current;
      const timeoutSeconds = this.functions[cur.req.fn].timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      clearTimeout(cur.timer);
      cur.timer = setTimeout(() => this.onTimeout(w, timeoutSeconds), timeoutSeconds * 1000);
      return;
    }
    if (msg?.type !== 'result' || w.state === 'dead') return;
    const cur = w.current;
    if (!cur || cur.id !== msg.id) {
      // An error outside any invocation (e.g. a late unhandled rejection): the runtime is suspect, replace it.
      if (msg.ok === false && msg.fatal) {
        this.retire(w);
        void w.worker.terminate().catch(() => undefined);
        this.dispatch();
      }
      return;
    }
    clearTimeout(cur.timer);
    w.current = undefined;
    if (msg.ok) {
      w.state = 'idle';
      w.initialized = true;
      w.lastUsed = Date.now();
      let value: unknown;
      try {
        value = JSON.parse(msg.payload);
      } catch (e) {
        const error = { errorType: 'Runtime.MalformedHandlerResponse', errorMessage: String(e) };
        cur.req.reject(new LambdaFunctionError(cur.req.fn, error));
        this.dispatch();
        return;
      }
      cur.req.resolve(value);
    } else {
      if (msg.fatal) {
        this.retire(w);
        void w.worker.terminate().catch(() => undefined);
      } else {
        w.state = 'idle';
        w.initialized = true;
        w.lastUsed = Date.now();
      }
      cur.req.reject(new LambdaFunctionError(cur.req.fn, msg.error));
    }
    this.dispatch();
  }

  private onTimeout(w: PoolWorker, timeoutSeconds: number): void {
    if (w.state === 'dead' || !w.current) return;
    const cur = w.current;
    this.retire(w);
    void w.worker.terminate().catch(() => undefined);
    cur.req.reject(
      new LambdaFunctionError(cur.req.fn, {
        errorType: 'Sandbox.Timedout',
        errorMessage: `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
      }),
    );
    this.dispatch();
  }

  /** The worker died on its own (error event or exit): fail its invocation, if any, and forget it. */
  private fail(w: PoolWorker, error: { errorType: string; errorMessage: string; trace?: string[] }): void {
    if (w.state === 'dead') return;
    const cur = w.current;
    this.retire(w);
    if (cur) cur.req.reject(new LambdaFunctionError(cur.req.fn, error));
    this.dispatch();
  }

  /** Marks a worker dead and removes it from the pool (the caller terminates it if needed). */
  private retire(w: PoolWorker): void {
    if (w.current) clearTimeout(w.current.timer);
    w.current = undefined;
    w.state = 'dead';
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
  }
}

type WorkerMessage =
  | { type: 'initialized' }
  | { type: 'started'; id: string }
  | { type: 'result'; id: string | null; ok: true; payload: string }
  | {
      type: 'result';
      id: string | null;
      ok: false;
      fatal: boolean;
      error: { errorType: string; errorMessage: string; trace?: string[] };
    };
