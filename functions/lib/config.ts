/**
 * The handlers' edge and the ONE module of functions/ that reads the environment: configuration read once per
 * container, and the clients built from it. Domain code (shared/) and the other functions/lib modules (backend,
 * faults) receive their settings as arguments and never read the environment themselves.
 */
import { COST_SETTINGS_ENV, type DeploySettings } from '../../shared/plan/cost';
import { createCaches, type StepCaches } from '../../shared/steps/context';
import { createS3Client, credentialsFromEnv, ObjectStore } from '../../shared/store/s3';
import type { BackendSettings } from './backend';
import { parseFaultRules, type FaultRule } from './faults';

export interface HandlerContext {
  /** The sweep bucket over S3: the BucketBlobs (shared/store/blobs.ts) every step takes. */
  readonly store: ObjectStore;
  readonly caches: StepCaches;
}

let context: HandlerContext | undefined;

/**
 * The bucket (BUCKET_NAME) and optional S3 endpoint (S3_ENDPOINT, for the local harness). With an endpoint the
 * client gets the environment's key pair explicitly (the harness sets the local server's), so the SDK's provider
 * chain never goes looking elsewhere; in the cloud the chain reads the function's role credentials.
 */
export function handlerContext(env: NodeJS.ProcessEnv = process.env): HandlerContext {
  if (context) return context;
  const bucket = env.BUCKET_NAME;
  if (!bucket) throw new Error('BUCKET_NAME is not set: the stack sets it on every function');
  const endpoint = env.S3_ENDPOINT || undefined;
  const credentials = endpoint ? credentialsFromEnv(env) : undefined;
  if (endpoint && !credentials) throw new Error(`S3_ENDPOINT is ${endpoint} but AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set`);
  const client = createS3Client({ endpoint, region: env.AWS_REGION || undefined, credentials });
  context = { store: new ObjectStore(client, bucket), caches: createCaches() };
  return context;
}

/** The stack's settings for the cost estimate (REGSWEEP_COST_SETTINGS, set on PlanSweep), or undefined. */
export function costSettings(env: NodeJS.ProcessEnv = process.env): DeploySettings | undefined {
  const text = env[COST_SETTINGS_ENV];
  return text ? (JSON.parse(text) as DeploySettings) : undefined;
}

/** REGSWEEP_BACKEND (the backend to try first: tensorflow, wasm or cpu; anything else is ignored) and TFJS_WASM_DIR. */
export function backendSettings(env: NodeJS.ProcessEnv = process.env): BackendSettings {
  const preferred = env.REGSWEEP_BACKEND;
  return {
    preferred: preferred === 'tensorflow' || preferred === 'wasm' || preferred === 'cpu' ? preferred : undefined,
    wasmDir: env.TFJS_WASM_DIR || undefined,
  };
}

/** The test-only fault rules of REGSWEEP_FAULTS (functions/lib/faults.ts); none when unset, as the stack leaves it. */
export function faultRules(env: NodeJS.ProcessEnv = process.env): FaultRule[] {
  return parseFaultRules(env.REGSWEEP_FAULTS);
}
