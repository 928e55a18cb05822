/**
 * The four Lambda functions of a sweep. plan, aggregate and refit are NodejsFunctions bundled by esbuild (settings
 * in bundling.ts); the trial is a container image with @tensorflow/tfjs-node (libtensorflow alone is larger than
 * the 250 MB zip limit), or, with `trialRuntime: 'zip'`, a zip function on the wasm backend.
 *
 * Each function has its own role with only: writing to its own log group, X-Ray, and the S3 actions it needs on
 * the keys it uses (S3_ACCESS; no s3:* and no other bucket). s3:ListBucket is granted only for the prefixes the
 * role may read (an `s3:prefix` condition): the store lists trials/ and map-results/, and tells a missing key
 * from a forbidden one by listing the key itself (shared/store/s3.ts; without list rights S3 answers 403 for a
 * missing key, and the steps rely on not-found: a first plan finds no spec.json, a trial looks for its own
 * record to resume, a missing dataset must say "not found").
 */
import { Duration, IgnoreMode, RemovalPolicy } from 'aws-cdk-lib';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaNode from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  BUNDLE_SETTINGS,
  EXTERNAL_MODULES,
  HANDLER_EXPORT,
  REPO_ROOT,
  TRIAL_DOCKERFILE,
  TRIAL_IMAGE_EXCLUDE,
  copyWasmCommand,
  functionEnvironment,
  depsLockFile,
  handlerEntry,
  needsWasm,
  type HandlerName,
  type TrialPackaging,
} from './bundling';
import { COST_SETTINGS_ENV, type DeploySettings } from '../shared/plan/cost';
import { DATASETS_PREFIX, SWEEPS_PREFIX } from './storage';

/** The Lambda runtime of the zip functions (nodejs20.x is deprecated in CDK). */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** Memory and timeout of one function. */
export interface FunctionSize {
  /** @default depends on the function (see SweepFunctionsProps) */
  readonly memoryMb?: number;
  /** @default depends on the function (see SweepFunctionsProps) */
  readonly timeoutSeconds?: number;
}

export interface SweepFunctionsProps {
  /** The sweep bucket; every function gets its name as BUCKET_NAME. */
  readonly bucket: s3.IBucket;
  /** `container` (tfjs-node image) or `zip` (wasm backend). @default 'container' */
  readonly trialRuntime?: TrialPackaging;
  /** @default { memoryMb: 2048, timeoutSeconds: 900 } */
  readonly trial?: FunctionSize;
  /** @default { memoryMb: 1024, timeoutSeconds: 300 } */
  readonly plan?: FunctionSize;
  /** @default { memoryMb: 1024, timeoutSeconds: 300 } */
  readonly aggregate?: FunctionSize;
  /** @default { memoryMb: 3008, timeoutSeconds: 900 } */
  readonly refit?: FunctionSize;
  /** Retention of the functions' log groups. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Removal policy of the log groups. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** The settings PlanSweep estimates a sweep's cost for, to refuse one over limits.maxCostUsd. @default - no check */
  readonly costSettings?: DeploySettings;
}

/** The S3 access of one function: object keys it reads and writes (patterns under the bucket). */
interface S3Access {
  /** GetObject; also the `s3:prefix` values of its ListBucket. */
  readonly read: readonly string[];
  /** PutObject. */
  readonly write: readonly string[];
}

const SPEC = `${SWEEPS_PREFIX}*/spec.json`;
/** Manifest keys (also what RunTrials' ItemReader reads). */
export const MANIFEST = `${SWEEPS_PREFIX}*/manifest.json`;
const GRID = `${SWEEPS_PREFIX}*/grid.json`;
const TRIALS = `${SWEEPS_PREFIX}*/trials/*`;
const LEADERBOARD = `${SWEEPS_PREFIX}*/leaderboard.json`;
const BEST = `${SWEEPS_PREFIX}*/best/*`;
const DATASETS = `${DATASETS_PREFIX}*`;
/** Where the Distributed Map's ResultWriter writes (MAP_RESULTS_PREFIX_FORMAT in workflow.ts). */
export const MAP_RESULTS = `${SWEEPS_PREFIX}*/map-results/*`;

/**
 * Who touches what (key layout: shared/store/layout.ts; the reads and writes of shared/steps/*.ts through
 * SweepStore):
 *  - plan reads the dataset and an existing spec.json (re-plan), writes spec.json and manifest.json;
 *  - trial reads the dataset, the spec and its batch's record parts (listing trials/<batchKey>/ to resume), writes record parts;
 *  - aggregate reads the spec, the manifest, the trial records (listing trials/) and the map run's failed items
 *    (listing map-results/), writes leaderboard.json;
 *  - refit reads the spec, the leaderboard and the dataset, writes best/ (best.json, model.json, weights.bin).
 */
export const S3_ACCESS: Record<HandlerName, S3Access> = {
  plan: { read: [DATASETS, SPEC], write: [SPEC, GRID, MANIFEST] },
  trial: { read: [DATASETS, SPEC, TRIALS], write: [TRIALS] },
  aggregate: { read: [SPEC, GRID, MANIFEST, TRIALS, MAP_RESULTS], write: [LEADERBOARD] },
  refit: { read: [DATASETS, SPEC, LEADERBOARD], write: [BEST] },
};

const DEFAULT_SIZES: Record<HandlerName, Required<FunctionSize>> = {
  plan: { memoryMb: 1024, timeoutSeconds: 300 },
  trial: { memoryMb: 2048, timeoutSeconds: 900 },
  aggregate: { memoryMb: 1024, timeoutSeconds: 300 },
  refit: { memoryMb: 3008, timeoutSeconds: 900 },
};

const DESCRIPTIONS: Record<HandlerName, string> = {
  plan: 'regsweep PlanSweep: validate the spec and dataset, expand the grid, write the manifest',
  trial: 'regsweep TrainTrial: train and evaluate one config on one fold, write its record',
  aggregate: 'regsweep Aggregate: rank the configs over folds, write the leaderboard',
  refit: 'regsweep RefitBest: refit the chosen config, test it once, save the model',
};

/** NodejsFunction bundling for `name` (settings from bundling.ts; .wasm files copied for the training functions). */
export function nodejsBundling(name: HandlerName, trial: TrialPackaging): lambdaNode.BundlingOptions {
  return {
    target: BUNDLE_SETTINGS.target,
    format: lambdaNode.OutputFormat.CJS,
    sourceMap: BUNDLE_SETTINGS.sourcemap,
    minify: BUNDLE_SETTINGS.minify,
    keepNames: BUNDLE_SETTINGS.keepNames,
    externalModules: [...EXTERNAL_MODULES],
    logLevel: lambdaNode.LogLevel.ERROR,
    ...(needsWasm(name, trial)
      ? {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (inputDir: string, outputDir: string) => [copyWasmCommand(inputDir, outputDir)],
          },
        }
      : {}),
  };
}

export class SweepFunctions extends Construct {
  readonly plan: lambda.IFunction;
  readonly trial: lambda.IFunction;
  readonly aggregate: lambda.IFunction;
  readonly refit: lambda.IFunction;
  /** Each function's execution role. */
  readonly roles: Record<HandlerName, iam.Role>;
  readonly trialRuntime: TrialPackaging;

  constructor(scope: Construct, id: string, props: SweepFunctionsProps) {
    super(scope, id);
    const trialRuntime = props.trialRuntime ?? 'container';
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (trialRuntime !== 'container' && trialRuntime !== 'zip') {
      throw new Error(`trialRuntime must be 'container' or 'zip', got ${JSON.stringify(trialRuntime)}`);
    }
    const sizes = {} as Record<HandlerName, Required<FunctionSize>>;
    for (const name of ['plan', 'trial', 'aggregate', 'refit'] as const) {
      const memoryMb = props[name]?.memoryMb ?? DEFAULT_SIZES[name].memoryMb;
      const timeoutSeconds = props[name]?.timeoutSeconds ?? DEFAULT_SIZES[name].timeoutSeconds;
      if (!Number.isInteger(memoryMb) || memoryMb < 128 || memoryMb > 10240) {
        throw new Error(`${name}.memoryMb must be an integer in 128..10240, got ${memoryMb}`);
      }
      if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 900) {
        throw new Error(`${name}.timeoutSeconds must be an integer in 1..900, got ${timeoutSeconds}`);
      }
      sizes[name] = { memoryMb, timeoutSeconds };
    }
    this.trialRuntime = trialRuntime;

    const bucket = props.bucket;
    const roles = {} as Record<HandlerName, iam.Role>;
    const make = (name: HandlerName, fnId: string): lambda.IFunction => {
      const logGroup = new logs.LogGroup(this, `${fnId}Logs`, { retention: logRetention, removalPolicy });
      const role = new iam.Role(this, `${fnId}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `${DESCRIPTIONS[name].split(':')[0]} execution role`,
      });
      logGroup.grantWrite(role);
      grantS3(role, bucket, S3_ACCESS[name]);
      roles[name] = role;

      const common = {
        description: DESCRIPTIONS[name],
        memorySize: sizes[name].memoryMb,
        timeout: Duration.seconds(sizes[name].timeoutSeconds),
        architecture: lambda.Architecture.X86_64,
        environment: {
          ...functionEnvironment(name, { bucketName: bucket.bucketName, trial: trialRuntime }),
          ...(name === 'plan' && props.costSettings ? { [COST_SETTINGS_ENV]: JSON.stringify(props.costSettings) } : {}),
        },
        role,
        logGroup,
        tracing: lambda.Tracing.ACTIVE,
      };
      if (name === 'trial' && trialRuntime === 'container') {
        return new lambda.DockerImageFunction(this, fnId, {
          ...common,
          code: lambda.DockerImageCode.fromImageAsset(REPO_ROOT, {
            file: TRIAL_DOCKERFILE,
            exclude: [...TRIAL_IMAGE_EXCLUDE],
            ignoreMode: IgnoreMode.DOCKER,
            platform: ecrAssets.Platform.LINUX_AMD64,
          }),
        });
      }
      return new lambdaNode.NodejsFunction(this, fnId, {
        ...common,
        entry: handlerEntry(name),
        handler: HANDLER_EXPORT,
        runtime: NODE_RUNTIME,
        projectRoot: REPO_ROOT,
        depsLockFilePath: depsLockFile(),
        bundling: nodejsBundling(name, trialRuntime),
      });
    };

    this.plan = make('plan', 'Plan');
    this.trial = make('trial', 'Trial');
    this.aggregate = make('aggregate', 'Aggregate');
    this.refit = make('refit', 'Refit');
    this.roles = roles;
  }
}

/**
 * s3:GetObject / s3:PutObject on exactly the given key patterns, and s3:ListBucket on the bucket only for prefixes
 * matching the read patterns.
 */
function grantS3(role: iam.Role, bucket: s3.IBucket, access: S3Access): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: access.read.map((k) => bucket.arnForObjects(k)) }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: access.write.map((k) => bucket.arnForObjects(k)) }));
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [...access.read] } },
    }),
  );
}
