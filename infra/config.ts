/**
 * Typed stack configuration, read from the `regsweep` object in cdk.json's context (or `-c regsweep='{...}'`).
 *
 * `parseConfig` is plain TypeScript (no CDK): it fills defaults and validates, and every error names the key and
 * shows the bad value, e.g. `regsweep.maxConcurrency must be >= 1, got 0`. `configFromContext` reads the object
 * from a construct's node context and parses it.
 */
import type { IConstruct } from 'constructs';
import type { ChildExecutionType } from '../shared/cost/estimate';
import type { Architecture } from '../shared/cost/prices';
import type { DeploySettings } from '../shared/plan/cost';
import { MAX_BATCH_SIZE, parseSpec } from '../shared/search/spec';
import { DEFAULT_BATCH_DEFAULTS } from '../shared/plan/batches';

/** The context key holding the configuration object. */
export const CONFIG_CONTEXT_KEY = 'regsweep';

/** Placeholder a scheduled spec may use in `dataset.source`; replaced by the stack bucket's name at synth. */
export const BUCKET_NAME_PLACEHOLDER = '${BucketName}';

export type TrialRuntime = 'container' | 'zip';
export type { ChildExecutionType };

/**
 * The longest trialTimeoutSeconds EXPRESS children allow: the TrainTrial state waits 60 s beyond the function's
 * timeout (TRIAL_STATE_TIMEOUT_MARGIN_SECONDS in workflow.ts), and an Express execution ends at 300 s.
 */
export const EXPRESS_MAX_TRIAL_TIMEOUT_SECONDS = 240;
export type RemovalPolicyName = 'retain' | 'destroy';

/** One EventBridge Scheduler entry that starts a sweep. */
export interface ScheduleConfig {
  /** A slug (a-z, 0-9, '-'); the schedule is named `<stackName>-<name>`. */
  readonly name: string;
  /** `cron(...)`, `rate(...)` or `at(...)`, as EventBridge Scheduler accepts it. */
  readonly expression: string;
  /** The sweep spec, passed verbatim as the execution input (see BUCKET_NAME_PLACEHOLDER). */
  readonly spec: Record<string, unknown>;
  /** IANA time zone for cron/at expressions. @default 'Etc/UTC' */
  readonly timezone?: string;
  /** @default true */
  readonly enabled: boolean;
}

export interface RegsweepConfig {
  /** `container`: image with @tensorflow/tfjs-node; `zip`: zip function on the wasm backend. @default 'container' */
  readonly trialRuntime: TrialRuntime;
  /** @default 2048 */
  readonly trialMemoryMb: number;
  /** Lambda timeout of one trial. @default 900 */
  readonly trialTimeoutSeconds: number;
  /** @default 1024 */
  readonly planMemoryMb: number;
  /** @default 300 */
  readonly planTimeoutSeconds: number;
  /** @default 1024 */
  readonly aggregateMemoryMb: number;
  /** @default 300 */
  readonly aggregateTimeoutSeconds: number;
  /** @default 3008 */
  readonly refitMemoryMb: number;
  /** @default 900 */
  readonly refitTimeoutSeconds: number;
  /** Trials run at once by the Distributed Map. @default 100 */
  readonly maxConcurrency: number;
  /**
   * Type of the Distributed Map's child executions (one per batch of trials). `EXPRESS` costs less while a batch
   * takes under ~47 s but runs at most 5 minutes and at least once; see docs/DEPLOY.md. @default 'STANDARD'
   */
  readonly childExecutionType: ChildExecutionType;
  /** Percentage of failed trials the sweep tolerates (the Map applies it to batches that fail as a whole). @default 10 */
  readonly toleratedFailurePercentage: number;
  /**
   * Trials per TrainTrial invocation when every trial has an exact linear solver, rounded down to whole lambda
   * paths; a spec's limits.batchSize overrides it. @default 100
   */
  readonly exactBatchSize: number;
  /** Trials per TrainTrial invocation when some are trained by SGD (MLPs); a spec's limits.batchSize overrides it. @default 1 */
  readonly sgdBatchSize: number;
  /** Days after which objects under `sweeps/` (and noncurrent versions) expire. @default 90 */
  readonly sweepRetentionDays: number;
  /** Retention of the Lambda and state machine log groups, in days (a CloudWatch Logs value). @default 90 */
  readonly logRetentionDays: number;
  /** What `cdk destroy` does with the bucket and log groups. @default 'retain' */
  readonly removalPolicy: RemovalPolicyName;
  /** Email subscribed to the alarm topic. @default - no subscription */
  readonly alarmEmail?: string;
  /** @default [] */
  readonly schedules: readonly ScheduleConfig[];
}

export const DEFAULT_CONFIG: RegsweepConfig = {
  trialRuntime: 'container',
  trialMemoryMb: 2048,
  trialTimeoutSeconds: 900,
  planMemoryMb: 1024,
  planTimeoutSeconds: 300,
  aggregateMemoryMb: 1024,
  aggregateTimeoutSeconds: 300,
  refitMemoryMb: 3008,
  refitTimeoutSeconds: 900,
  maxConcurrency: 100,
  childExecutionType: 'STANDARD',
  toleratedFailurePercentage: 10,
  ...DEFAULT_BATCH_DEFAULTS,
  sweepRetentionDays: 90,
  logRetentionDays: 90,
  removalPolicy: 'retain',
  schedules: [],
};

/** The values CloudWatch Logs accepts as a retention (days). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Invalid configuration; the message names the key (`regsweep.<key>`). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const SCHEDULE_NAME_RE = /^[a-z0-9][a-z0-9-]{0,39}$/;
const EXPRESSION_RE = /^(cron|rate|at)\(.+\)$/;
const TIMEZONE_RE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return String(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 80)}...` : s;
  } catch {
    return typeof v;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function integer(raw: Record<string, unknown>, key: keyof RegsweepConfig, min: number, max: number, prefix: string): number {
  const v = raw[key] ?? DEFAULT_CONFIG[key];
  const name = `${prefix}.${key}`;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ConfigError(`${name} must be an integer, got ${show(v)}`);
  if (v < min) throw new ConfigError(`${name} must be >= ${min}, got ${v}`);
  if (v > max) throw new ConfigError(`${name} must be <= ${max}, got ${v}`);
  return v;
}

function fraction(raw: Record<string, unknown>, key: keyof RegsweepConfig, min: number, max: number, prefix: string): number {
  const v = raw[key] ?? DEFAULT_CONFIG[key];
  const name = `${prefix}.${key}`;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${name} must be a number, got ${show(v)}`);
  if (v < min) throw new ConfigError(`${name} must be >= ${min}, got ${v}`);
  if (v > max) throw new ConfigError(`${name} must be <= ${max}, got ${v}`);
  return v;
}

function oneOf<T extends string>(raw: Record<string, unknown>, key: keyof RegsweepConfig, values: readonly T[], prefix: string): T {
  const v = raw[key] ?? DEFAULT_CONFIG[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new ConfigError(`${prefix}.${key} must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${show(v)}`);
  }
  return v as T;
}

function parseSchedule(raw: unknown, name: string): ScheduleConfig {
  if (!isObject(raw)) throw new ConfigError(`${name} must be an object { name, expression, spec, timezone? }, got ${show(raw)}`);
  const known = ['name', 'expression', 'spec', 'timezone', 'enabled'];
  const unknown = Object.keys(raw).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new ConfigError(`${name}.${unknown[0]} is not a schedule setting; use ${known.join(', ')}`);

  const slug = raw.name;
  if (typeof slug !== 'string' || !SCHEDULE_NAME_RE.test(slug)) {
    throw new ConfigError(`${name}.name must be a slug of a-z, 0-9 and '-' (max 40 chars), got ${show(slug)}`);
  }
  const expression = raw.expression;
  if (typeof expression !== 'string' || !EXPRESSION_RE.test(expression.trim())) {
    throw new ConfigError(`${name}.expression must start with 'cron(', 'rate(' or 'at(' and end with ')', got ${show(expression)}`);
  }
  const timezone = raw.timezone;
  if (timezone !== undefined && (typeof timezone !== 'string' || !TIMEZONE_RE.test(timezone))) {
    throw new ConfigError(`${name}.timezone must be an IANA time zone such as 'Europe/Paris' or 'UTC', got ${show(timezone)}`);
  }
  const enabled = raw.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new ConfigError(`${name}.enabled must be true or false, got ${show(enabled)}`);

  const spec = raw.spec;
  if (!isObject(spec)) throw new ConfigError(`${name}.spec must be a sweep spec object, got ${show(spec)}`);
  if (spec.sweepId !== undefined) {
    throw new ConfigError(`${name}.spec.sweepId must be absent: every scheduled run plans a fresh sweep id, got ${show(spec.sweepId)}`);
  }
  try {
    parseSpec(spec);
  } catch (e) {
    throw new ConfigError(`${name}.spec: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { name: slug, expression: expression.trim(), spec, enabled, ...(timezone !== undefined ? { timezone } : {}) };
}

/**
 * Fill defaults into a raw configuration object and validate it. `raw` may be undefined (all defaults) or a JSON
 * string (as `cdk -c regsweep='{...}'` passes it). Throws ConfigError naming the key.
 */
export function parseConfig(raw: unknown, prefix: string = CONFIG_CONTEXT_KEY): RegsweepConfig {
  let input: unknown = raw ?? {};
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input) as unknown;
    } catch (e) {
      throw new ConfigError(`${prefix} must be a JSON object, got unparseable text (${(e as Error).message})`);
    }
  }
  if (!isObject(input)) throw new ConfigError(`${prefix} must be an object, got ${show(input)}`);

  const known = Object.keys(DEFAULT_CONFIG).concat('alarmEmail');
  const unknown = Object.keys(input).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(`${prefix}.${unknown[0]} is not a known setting; known settings: ${known.join(', ')}`);
  }

  const alarmEmail = input.alarmEmail;
  if (alarmEmail !== undefined && (typeof alarmEmail !== 'string' || !EMAIL_RE.test(alarmEmail))) {
    throw new ConfigError(`${prefix}.alarmEmail must be an email address, got ${show(alarmEmail)}`);
  }

  const logRetentionDays = integer(input, 'logRetentionDays', 1, 3653, prefix);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    throw new ConfigError(`${prefix}.logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${logRetentionDays}`);
  }

  const rawSchedules = input.schedules ?? [];
  if (!Array.isArray(rawSchedules)) throw new ConfigError(`${prefix}.schedules must be an array, got ${show(rawSchedules)}`);
  const schedules = rawSchedules.map((s, i) => parseSchedule(s, `${prefix}.schedules[${i}]`));
  const seen = new Set<string>();
  schedules.forEach((s, i) => {
    if (seen.has(s.name)) throw new ConfigError(`${prefix}.schedules[${i}].name must be unique, got ${show(s.name)} twice`);
    seen.add(s.name);
  });

  const trialTimeoutSeconds = integer(input, 'trialTimeoutSeconds', 1, 900, prefix);
  const childExecutionType = oneOf(input, 'childExecutionType', ['STANDARD', 'EXPRESS'] as const, prefix);
  if (childExecutionType === 'EXPRESS' && trialTimeoutSeconds > EXPRESS_MAX_TRIAL_TIMEOUT_SECONDS) {
    throw new ConfigError(
      `${prefix}.trialTimeoutSeconds must be <= ${EXPRESS_MAX_TRIAL_TIMEOUT_SECONDS} with childExecutionType 'EXPRESS' ` +
        `(an Express child execution runs at most 5 minutes), got ${trialTimeoutSeconds}`,
    );
  }

  return {
    trialRuntime: oneOf(input, 'trialRuntime', ['container', 'zip'] as const, prefix),
    trialMemoryMb: integer(input, 'trialMemoryMb', 128, 10240, prefix),
    trialTimeoutSeconds,
    planMemoryMb: integer(input, 'planMemoryMb', 128, 10240, prefix),
    planTimeoutSeconds: integer(input, 'planTimeoutSeconds', 1, 900, prefix),
    aggregateMemoryMb: integer(input, 'aggregateMemoryMb', 128, 10240, prefix),
    aggregateTimeoutSeconds: integer(input, 'aggregateTimeoutSeconds', 1, 900, prefix),
    refitMemoryMb: integer(input, 'refitMemoryMb', 128, 10240, prefix),
    refitTimeoutSeconds: integer(input, 'refitTimeoutSeconds', 1, 900, prefix),
    // A Distributed Map runs at most 10,000 child executions at once.
    maxConcurrency: integer(input, 'maxConcurrency', 1, 10000, prefix),
    childExecutionType,
    toleratedFailurePercentage: fraction(input, 'toleratedFailurePercentage', 0, 100, prefix),
    exactBatchSize: integer(input, 'exactBatchSize', 1, MAX_BATCH_SIZE, prefix),
    sgdBatchSize: integer(input, 'sgdBatchSize', 1, MAX_BATCH_SIZE, prefix),
    sweepRetentionDays: integer(input, 'sweepRetentionDays', 1, 36500, prefix),
    logRetentionDays,
    removalPolicy: oneOf(input, 'removalPolicy', ['retain', 'destroy'] as const, prefix),
    ...(alarmEmail !== undefined ? { alarmEmail } : {}),
    schedules,
  };
}

/** The trial function's architecture: infra/functions.ts deploys x86_64 (the container image is linux/amd64). */
export const TRIAL_ARCHITECTURE: Architecture = 'x86_64';

/** What the cost estimate needs of a configuration. */
export function deploySettings(config: RegsweepConfig): DeploySettings {
  return {
    trialMemoryMb: config.trialMemoryMb,
    planMemoryMb: config.planMemoryMb,
    aggregateMemoryMb: config.aggregateMemoryMb,
    refitMemoryMb: config.refitMemoryMb,
    architecture: TRIAL_ARCHITECTURE,
    childType: config.childExecutionType,
    batching: { exactBatchSize: config.exactBatchSize, sgdBatchSize: config.sgdBatchSize },
  };
}

/** The configuration from `scope`'s context (cdk.json `context.regsweep`, or `-c regsweep=...`). */
export function configFromContext(scope: IConstruct): RegsweepConfig {
  return parseConfig(scope.node.tryGetContext(CONFIG_CONTEXT_KEY));
}
