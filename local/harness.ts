/**
 * The emulated harness: the whole workflow on one machine, as it runs in the cloud.
 *
 *  - S3: a local S3-compatible server on 127.0.0.1 (local/s3server.ts), or an endpoint the user names.
 *  - Workflow: the CDK app synthesized in-process (trial as the zip/wasm variant, since tfjs-node cannot be
 *    installed here), its state machine definition with tokens resolved to fake ARNs and the local bucket, run
 *    by aws-local-stepfunctions with the Distributed Map emulated (local/runner.ts).
 *  - Lambda: the very bundles NodejsFunction built during synth (cdk.out/asset.<hash>/index.js) in a pool of
 *    worker threads, each with its function's timeout, memory and environment from the template.
 *
 * The synthesized cloud assembly is cached under the user cache directory (local/cache-dir.js:
 * REGSWEEP_CACHE_DIR, else $XDG_CACHE_HOME/regsweep, else ~/.cache/regsweep) as assembly-<hash>, keyed by the
 * sources it depends on (infra/, functions/, shared/, cdk.json, package-lock.json or package.json, and the
 * overrides), so a warm start does not load the CDK at all, and nothing is written into the package's folder.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fakeRefsFromTemplate, bucketRef, resolveIntrinsics, stateMachineDefinitionFromTemplate, type CfnTemplate } from './asl-tokens';
import { functionNameFromArn, LambdaFunctionError, LambdaPool, type LambdaFunctionConfig } from './lambda-pool';
import { prepareDefinition, runStateMachine, validateDefinition, type ExecutionEvent, type MapRunEvent, type RunResult } from './runner';
import { startS3Server, type LocalS3Server } from './s3server';
import { userCacheDir } from './cache-dir';
import { HANDLER_NAMES, REPO_ROOT, SOURCE_ROOT } from '../infra/bundling';
import { CONFIG_CONTEXT_KEY, type RegsweepConfig } from '../infra/config';
import { DEFAULT_STACK_NAME, STATE_NAMES } from '../infra/contract';
import { createS3Client, ObjectStore } from '../shared/store/s3';
import { assertDatasetName, datasetKey } from '../shared/store/layout';

export const DEFAULT_BUCKET = 'regsweep-local';

/** Stack settings the harness may override (the `regsweep` context of cdk.json). */
export type StackOverrides = Partial<
  Pick<
    RegsweepConfig,
    | 'maxConcurrency'
    | 'toleratedFailurePercentage'
    | 'exactBatchSize'
    | 'sgdBatchSize'
    | 'trialTimeoutSeconds'
    | 'trialMemoryMb'
    | 'planMemoryMb'
    | 'aggregateMemoryMb'
    | 'refitMemoryMb'
  >
>;

export interface HarnessOptions {
  /** Use this S3 endpoint (MinIO, LocalStack, a running server) instead of starting one. */
  readonly s3Endpoint?: string;
  /** Keep the local server's data in this directory (else a temporary one, removed at close). */
  readonly s3Dir?: string;
  /** @default regsweep-local */
  readonly bucket?: string;
  /** Worker threads running Lambda invocations. @default os.availableParallelism() */
  readonly workers?: number;
  readonly overrides?: StackOverrides;
  /** Where synthesized assemblies are cached. @default userCacheDir() (REGSWEEP_CACHE_DIR, XDG_CACHE_HOME/regsweep, ~/.cache/regsweep) */
  readonly cacheDir?: string;
  /** Extra environment for every function (test-only fault hooks go here). */
  readonly functionEnv?: Readonly<Record<string, string>>;
  /** Handler log lines. @default dropped, except with REGSWEEP_DEBUG=1 */
  readonly onLog?: (functionName: string, stream: 'stdout' | 'stderr', line: string) => void;
  /** Progress messages of the harness itself (synth, server). */
  readonly log?: (line: string) => void;
}

export interface Assembly {
  readonly dir: string;
  readonly template: CfnTemplate;
  /** True when it came from the cache. */
  readonly cached: boolean;
}

/** Every file under `dir` with one of the extensions, sorted (for the cache key). */
function listFiles(dir: string, exts: string[]): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'cdk.out') out.push(...listFiles(p, exts));
    } else if (exts.some((e) => entry.name.endsWith(e))) out.push(p);
  }
  return out.sort();
}

/**
 * Hash of the sources the synthesized assembly depends on: the sources under `sources` (the repository, or an
 * installed package's dist/) and the package files under `root` that exist (an installed package has no lock
 * file: its package.json, whose version changes with its contents, stands in). The place itself is hashed too,
 * since the bundles are built from it.
 */
export function assemblyKey(overrides: StackOverrides, root = REPO_ROOT, sources = SOURCE_ROOT): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(overrides));
  h.update(sources);
  const files = [
    ...['infra', 'functions', 'shared'].flatMap((d) => listFiles(path.join(sources, d), ['.ts', '.js', 'Dockerfile'])),
    ...['cdk.json', 'package-lock.json', 'package.json'].map((f) => path.join(root, f)).filter((f) => fs.existsSync(f)),
  ];
  for (const f of files) {
    h.update(path.relative(sources, f));
    h.update(fs.readFileSync(f));
  }
  return h.digest('hex').slice(0, 20);
}

const STACK_TEMPLATE = `${DEFAULT_STACK_NAME}.template.json`;

/**
 * The cloud assembly of the stack with the zip trial (bundles and all), from the cache or synthesized now.
 */
export function loadAssembly(opts: { overrides?: StackOverrides; cacheDir?: string; log?: (line: string) => void } = {}): Assembly {
  const overrides = opts.overrides ?? {};
  const cacheDir = opts.cacheDir ?? userCacheDir();
  const dir = path.join(cacheDir, `assembly-${assemblyKey(overrides)}`);
  const templateFile = path.join(dir, STACK_TEMPLATE);
  const cached = (): Assembly | undefined => {
    if (!fs.existsSync(templateFile)) return undefined;
    const template = JSON.parse(fs.readFileSync(templateFile, 'utf8')) as CfnTemplate;
    touch(dir); // in use: not pruned as a stale assembly of another checkout
    return { dir, template, cached: true };
  };
  const hit = cached();
  if (hit) return hit;
  fs.mkdirSync(cacheDir, { recursive: true });
  const release = awaitSynthLock(path.join(cacheDir, `lock-${path.basename(dir)}`), cached);
  if (!release) return cached()!; // another process synthesized it while this one waited
  try {
    return cached() ?? synthesize(dir, overrides, cacheDir, opts.log);
  } finally {
    release();
  }
}

/** How long a process waits for another one synthesizing the same assembly before it synthesizes it itself. */
const SYNTH_LOCK_WAIT_MS = 10 * 60_000;

/**
 * Takes the lock of one assembly's synthesis (a directory made atomically, holding the owner's pid), so that
 * processes starting at once (jest workers, `regsweep local` runs) synthesize and bundle it once, not once each:
 * returns its release, or undefined as soon as `done` says the assembly exists (another process built it). A lock
 * whose owner is gone (killed mid-synth) or older than SYNTH_LOCK_WAIT_MS is taken over.
 */
function awaitSynthLock(lock: string, done: () => unknown): (() => void) | undefined {
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      return () => fs.rmSync(lock, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (done()) return undefined;
    if (staleLock(lock)) fs.rmSync(lock, { recursive: true, force: true });
    else Atomics.wait(sleep, 0, 0, 200); // a synchronous wait: loadAssembly is synchronous, and nothing else can run yet
  }
}

function staleLock(lock: string): boolean {
  let pid: number;
  try {
    if (Date.now() - fs.statSync(lock).mtimeMs > SYNTH_LOCK_WAIT_MS) return true;
    pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    return false; // just made, its pid not written yet (or just released)
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function synthesize(dir: string, overrides: StackOverrides, cacheDir: string, log?: (line: string) => void): Assembly {
  const templateFile = path.join(dir, STACK_TEMPLATE);
  log?.('synthesizing the CDK stack and bundling the functions (cached for the next run)...');
  // Loaded only on a cache miss: the CDK takes a second or two to import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createRegsweepApp, cdkJsonContext, synthTemplate } = require('../infra/regsweep-app') as typeof import('../infra/regsweep-app');
  const staging = fs.mkdtempSync(path.join(cacheDir, 'staging-'));
  const context = cdkJsonContext();
  const base = (context.regsweep ?? {}) as Record<string, unknown>;
  const { app, stack } = createRegsweepApp({
    context: { ...context, stackName: DEFAULT_STACK_NAME, regsweep: { ...base, trialRuntime: 'zip', schedules: [], ...overrides } },
    bundle: true,
    nag: false,
    outdir: staging,
  });
  const template = synthTemplate(app, stack) as CfnTemplate;
  fs.writeFileSync(path.join(staging, STACK_TEMPLATE), JSON.stringify(template));
  fs.writeFileSync(path.join(staging, SOURCES_FILE), SOURCE_ROOT);
  try {
    fs.renameSync(staging, dir);
  } catch (e) {
    // Another process synthesized the same sources at the same time: use its assembly.
    if (!fs.existsSync(templateFile)) throw e;
    fs.rmSync(staging, { recursive: true, force: true });
  }
  pruneAssemblies(cacheDir, dir);
  return { dir, template, cached: false };
}

/** The file of an assembly naming the sources it was built from (the cache is shared by every checkout). */
const SOURCES_FILE = 'sources';

/** Marks a cached assembly as used now (best effort: a read-only cache is still usable). */
function touch(dir: string): void {
  try {
    const now = new Date();
    fs.utimesSync(dir, now, now);
  } catch {
    // read-only: it may be pruned by another checkout after a week unused, then synthesized again
  }
}

/**
 * Keep the few most recent assemblies of these sources (each holds the bundles, ~100 MB) and remove older ones,
 * stale staging dirs, and other checkouts' (or removed packages') assemblies unused for a week: the user cache
 * directory is shared by every checkout and installed package, which must not prune each other's in use.
 */
function pruneAssemblies(cacheDir: string, current: string, keep = 3): void {
  const sourcesOf = (p: string) => {
    try {
      return fs.readFileSync(path.join(p, SOURCES_FILE), 'utf8');
    } catch {
      return undefined;
    }
  };
  const entries = fs
    .readdirSync(cacheDir)
    .filter((f) => f.startsWith('assembly-') || f.startsWith('staging-'))
    .map((f) => path.join(cacheDir, f))
    .filter((p) => p !== current)
    .map((p) => ({ p, mtime: fs.statSync(p).mtimeMs, staging: path.basename(p).startsWith('staging-'), mine: sourcesOf(p) === SOURCE_ROOT }))
    .sort((a, b) => b.mtime - a.mtime);
  const hourAgo = Date.now() - 3600_000;
  const weekAgo = Date.now() - 7 * 86_400_000;
  const mine = entries.filter((e) => !e.staging && e.mine);
  const old = [
    ...entries.filter((e) => e.staging && e.mtime < hourAgo),
    ...mine.slice(keep - 1),
    ...entries.filter((e) => !e.staging && !e.mine && e.mtime < weekAgo),
  ];
  for (const e of old) fs.rmSync(e.p, { recursive: true, force: true });
}

type Resource = { Type: string; Properties?: Record<string, unknown> };

/** The Lambda functions of the template as pool configurations: bundle from cdk.out, env, timeout, memory. */
export function functionConfigs(
  assembly: Assembly,
  refs: ReturnType<typeof fakeRefsFromTemplate>,
  extraEnv: Readonly<Record<string, string>>,
): Record<string, LambdaFunctionConfig> {
  const out: Record<string, LambdaFunctionConfig> = {};
  for (const [id, r] of Object.entries(assembly.template.Resources as Record<string, Resource>)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const props = r.Properties ?? {};
    const code = props.Code as { S3Key?: string; ImageUri?: unknown } | undefined;
    if (!code?.S3Key) throw new Error(`function ${id} is not a zip function; the harness runs the zip variant of the stack`);
    const assetDir = path.join(assembly.dir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
    const handler = typeof props.Handler === 'string' ? props.Handler : 'index.handler';
    const [file, exportName] = [handler.slice(0, handler.lastIndexOf('.')), handler.slice(handler.lastIndexOf('.') + 1)];
    const bundlePath = path.join(assetDir, `${file}.js`);
    if (!fs.existsSync(bundlePath)) throw new Error(`bundle of ${id} not found at ${bundlePath}; delete ${assembly.dir} and run again`);
    const vars = resolveIntrinsics(((props.Environment as { Variables?: unknown }) ?? {}).Variables ?? {}, refs) as Record<string, string>;
    // The .wasm files sit next to the bundle, as in /var/task in the cloud.
    if (vars.TFJS_WASM_DIR) vars.TFJS_WASM_DIR = assetDir + path.sep;
    out[id] = {
      bundlePath,
      // V8's compiled code of the bundle, kept beside it in the assembly's cache (immutable per source hash).
      codeCachePath: `${bundlePath}.v8-code-cache`,
      handlerExport: exportName,
      env: { ...vars, ...extraEnv },
      timeoutSeconds: Number(props.Timeout ?? 3),
      memoryMb: Number(props.MemorySize ?? 128),
    };
  }
  return out;
}

/** Logical ids of the bucket(s) the functions get as BUCKET_NAME: the sweep bucket, which is local here. */
function sweepBucketIds(template: CfnTemplate): string[] {
  const ids = new Set<string>();
  for (const r of Object.values(template.Resources as Record<string, Resource>)) {
    const ref = (r.Properties?.Environment as { Variables?: { BUCKET_NAME?: { Ref?: string } } } | undefined)?.Variables?.BUCKET_NAME?.Ref;
    if (r.Type === 'AWS::Lambda::Function' && ref) ids.add(ref);
  }
  if (ids.size === 0) throw new Error('no function of the stack has BUCKET_NAME referring to a bucket');
  return [...ids];
}

/** Temp dirs to remove when this process exits (harnesses that were never closed). */
const dirsToRemove = new Set<string>();
let exitHookInstalled = false;
function removeOnExit(dir: string): void {
  dirsToRemove.add(dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const d of dirsToRemove) fs.rmSync(d, { recursive: true, force: true });
  });
}
function removeDir(dir: string): void {
  dirsToRemove.delete(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

export interface SweepRunResult extends RunResult {
  readonly sweepId?: string;
}

/** What to tell about a function that runs out of memory: its step, its memory, the setting that raises it. */
export interface MemoryHint {
  readonly step: string;
  readonly memoryMb: number;
  /** The cdk.json context key, e.g. `regsweep.planMemoryMb`. */
  readonly setting: string;
}

/** Memory hints by function (the pool's name: the logical id), from the Task states that invoke each function. */
export function memoryHints(definition: object, functions: Readonly<Record<string, LambdaFunctionConfig>>): Map<string, MemoryHint> {
  const hints = new Map<string, MemoryHint>();
  for (const task of prepareDefinition(definition).tasks) {
    const handler = HANDLER_NAMES.find((h) => STATE_NAMES[h] === task.stateName);
    const fn = task.functionName === undefined ? undefined : functionNameFromArn(task.functionName);
    if (!handler || !fn || !functions[fn]) continue;
    const key: keyof RegsweepConfig = `${handler}MemoryMb`;
    hints.set(fn, { step: task.stateName, memoryMb: functions[fn].memoryMb ?? 128, setting: `${CONFIG_CONTEXT_KEY}.${key}` });
  }
  return hints;
}

/**
 * A Runtime.OutOfMemory error with the step, its memory and how to raise it in its message (so in the Task's
 * Cause, and the execution's when the sweep fails); other errors as they are.
 */
export function explainOutOfMemory(e: unknown, hints: ReadonlyMap<string, MemoryHint>): unknown {
  if (!(e instanceof LambdaFunctionError) || e.errorType !== 'Runtime.OutOfMemory') return e;
  const hint = hints.get(e.functionName);
  if (!hint) return e;
  const errorMessage =
    `${hint.step} ran out of memory (Runtime.OutOfMemory, MemorySize ${hint.memoryMb} MB): raise "${hint.setting}" ` +
    `in cdk.json's context (e.g. ${hint.memoryMb * 2}), then run again. ${e.errorMessage}`;
  return new LambdaFunctionError(e.functionName, { errorType: e.errorType, errorMessage, trace: e.trace });
}

export class Harness {
  /** Set while stopS3() has the local server down; restartS3() brings it back on the same port and dir. */
  private s3Stopped = false;
  private childDeath?: (cause: string) => void;
  /**
   * Resolves with the cause when a child process the harness depends on ends on its own: the local S3 server
   * (killed, crashed; not stopS3()). Every S3 call fails from then on, so a sweep should stop at once rather
   * than fail its trials one by one. Never resolves with an external endpoint.
   */
  readonly childDied: Promise<string> = new Promise((resolve) => (this.childDeath = resolve));

  private constructor(
    readonly store: ObjectStore,
    readonly endpoint: string,
    readonly assembly: Assembly,
    private readonly definition: object,
    private readonly pool: LambdaPool,
    private readonly hints: ReadonlyMap<string, MemoryHint>,
    private server: LocalS3Server | undefined,
    /** The local server's temp data dir, made by start() (no s3Dir given): removed at close. */
    private readonly ownS3Dir: string | undefined,
    private readonly bucketsToCreate: string[],
  ) {
    this.watch(server);
  }

  private watch(server: LocalS3Server | undefined): void {
    server?.onUnexpectedExit((how) => this.childDeath?.(`the local S3 server (pid ${server.pid}) ended unexpectedly (${how})`));
  }

  /** Where the local S3 server keeps its data (`<dir>/<bucket>/<sha256 of the key>`, local/s3-disk.js); undefined with s3Endpoint. */
  get s3Dir(): string | undefined {
    return this.server?.dir;
  }

  get bucket(): string {
    return this.store.bucket;
  }

  /** Start the S3 server (unless an endpoint is given), load the assembly and the worker pool. */
  static async start(opts: HarnessOptions = {}): Promise<Harness> {
    const bucket = opts.bucket ?? DEFAULT_BUCKET;
    const assembly = loadAssembly({ overrides: opts.overrides, cacheDir: opts.cacheDir, log: opts.log });
    let server: LocalS3Server | undefined;
    let endpoint = opts.s3Endpoint;
    // Without s3Dir the harness makes the temp dir itself (rather than the server), so that stopS3/restartS3 keep
    // the data; close() removes it, and so does this process's exit (a SIGKILL leaves it in the temp folder).
    let ownS3Dir: string | undefined;
    if (!endpoint) {
      if (opts.s3Dir === undefined) {
        ownS3Dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-s3-'));
        removeOnExit(ownS3Dir);
      }
      try {
        server = await startS3Server({ dir: opts.s3Dir ?? ownS3Dir, buckets: [bucket] });
        for (const w of server.warnings) opts.log?.(`regsweep: local S3 data: ${w} (a record part absent: its trials run again)`);
      } catch (e) {
        if (ownS3Dir) removeDir(ownS3Dir);
        throw e;
      }
      endpoint = server.endpoint;
    }
    try {
      // The local server's key pair goes to the harness's client and, through their environment, to the functions
      // (functions/lib/config.ts reads it there, as Lambda's runtime provides a role's keys); with an endpoint of
      // the user's, both use the credentials of this process's environment.
      const credentials = server?.credentials;
      const store = new ObjectStore(createS3Client({ endpoint, credentials }), bucket);
      const serverCredentialsEnv: Record<string, string> = credentials
        ? { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_SESSION_TOKEN: '' }
        : {};
      const refs = { ...fakeRefsFromTemplate(assembly.template) };
      for (const id of sweepBucketIds(assembly.template)) refs[id] = bucketRef(bucket);
      const definition = stateMachineDefinitionFromTemplate(assembly.template, refs);
      const debug = process.env.REGSWEEP_DEBUG === '1';
      const functions = functionConfigs(assembly, refs, {
        S3_ENDPOINT: endpoint,
        ...serverCredentialsEnv,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...opts.functionEnv,
      });
      const pool = new LambdaPool({
        functions,
        size: opts.workers ?? os.availableParallelism(),
        onLog: opts.onLog ?? ((fn, stream, line) => (debug ? process.stderr.write(`[${fn}] ${line}\n`) : undefined)),
      });
      return new Harness(store, endpoint, assembly, definition, pool, memoryHints(definition, functions), server, ownS3Dir, [bucket]);
    } catch (e) {
      await server?.stop();
      if (ownS3Dir) removeDir(ownS3Dir);
      throw e;
    }
  }

  /** Upload a local dataset file to datasets/<name> and return its s3:// URI. */
  async uploadDataset(file: string, name = path.basename(file)): Promise<string> {
    assertDatasetName(name);
    await this.store.putBytes(datasetKey(name), fs.readFileSync(file), name.endsWith('.csv') ? 'text/csv' : 'application/x-ndjson');
    return this.store.uri(datasetKey(name));
  }

  /** Run the state machine on a spec (the execution input), as StartExecution would. */
  async runSweep(
    spec: Record<string, unknown>,
    opts: { executionName?: string; onEvent?: (e: ExecutionEvent | MapRunEvent) => void; retryIntervalOverrides?: Record<string, number | number[]> } = {},
  ): Promise<SweepRunResult> {
    this.prewarm([STATE_NAMES.plan, STATE_NAMES.trial]);
    this.validateOnce();
    const store = this.store;
    const forBucket = (bucket: string) => (bucket === store.bucket ? store : new ObjectStore(store.client, bucket));
    const result = await runStateMachine({
      definition: this.definition,
      invokeLambda: (fn, payload) =>
        this.pool.invoke(fn, payload).catch((e: unknown) => {
          throw explainOutOfMemory(e, this.hints);
        }),
      readJson: (bucket, key) => forBucket(bucket).getJson(key),
      writeJson: (bucket, key, value) => forBucket(bucket).putJson(key, value),
      validate: false, // validateOnce did
      input: spec,
      executionName: opts.executionName,
      onEvent: (e) => {
        if (e.type === 'MapRunStarted') this.prewarm([STATE_NAMES.aggregate, STATE_NAMES.refit]);
        opts.onEvent?.(e);
      },
      retryIntervalOverrides: opts.retryIntervalOverrides,
      // As many map children at once as there are workers: a child's TrainTrial then starts its TimeoutSeconds
      // when a worker starts the invocation, as in Lambda, instead of while it queues for one (MaxConcurrency is
      // 100 and the pool has a few workers).
      mapConcurrencyCap: this.pool.size,
    });
    const output = result.output as { sweepId?: string } | undefined;
    return { ...result, sweepId: output?.sweepId ?? (typeof spec.sweepId === 'string' ? spec.sweepId : undefined) };
  }

  /**
   * Validates the state machine definition with the library's validator (runner.ts validateDefinition) once per
   * definition, not once per process: compiling the validator's JSON schemas costs ~1 s of CPU, which every
   * `regsweep local` would pay before its first state. A marker named by the hash of the definition's text, in
   * the assembly's cache directory, records that it passed.
   */
  private validateOnce(): void {
    const text = JSON.stringify(this.definition);
    const marker = path.join(this.assembly.dir, `validated-${createHash('sha256').update(text).digest('hex').slice(0, 20)}`);
    if (fs.existsSync(marker)) return;
    validateDefinition(this.definition);
    try {
      fs.writeFileSync(marker, '');
    } catch {
      // a read-only cache: validate again next time
    }
  }

  /**
   * Starts the execution environments of the functions behind these steps ahead of their first invocation (the
   * pool's prewarm): TrainTrial's up to the pool's size, the others one each (none beyond those already warm).
   * runSweep prewarms PlanSweep's and TrainTrial's as the sweep starts, so the trial workers' init (loading the
   * bundle and TensorFlow.js, ~0.5 s each) runs beside PlanSweep, whose single worker leaves a core idle; and
   * Aggregate's and RefitBest's when the map starts, so theirs is not on the sweep's tail. (All five at once
   * would slow PlanSweep itself: on 2 cores it took 1.06 s instead of 0.3.)
   */
  private prewarm(steps: readonly string[]): void {
    for (const [fn, hint] of this.hints) if (steps.includes(hint.step)) this.pool.prewarm(fn, hint.step === STATE_NAMES.trial ? this.pool.size : 1);
  }

  poolStats() {
    return this.pool.stats();
  }

  /**
   * Stops the local S3 server (its data stays): S3 calls then fail with connection errors until restartS3().
   * For fault tests. Throws when the harness uses an external endpoint.
   */
  async stopS3(): Promise<void> {
    if (!this.server) throw new Error('stopS3: the harness did not start the S3 server (s3Endpoint was given)');
    this.s3Stopped = true;
    await this.server.stop();
  }

  /** Starts the local S3 server again on the same port and data dir (after stopS3(), or to restart it at once). */
  async restartS3(): Promise<void> {
    const old = this.server;
    if (!old) throw new Error('restartS3: the harness did not start the S3 server (s3Endpoint was given)');
    if (!this.s3Stopped) await this.stopS3();
    this.server = await startS3Server({ dir: old.dir, port: old.port, buckets: this.bucketsToCreate, credentials: old.credentials });
    this.s3Stopped = false;
    this.watch(this.server);
  }

  async close(): Promise<void> {
    this.childDeath = undefined; // a server stopped from here on is no surprise
    await this.pool.close();
    if (!this.s3Stopped) await this.server?.stop();
    if (this.ownS3Dir) removeDir(this.ownS3Dir);
  }
}
