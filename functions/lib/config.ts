/**
 * The handlers' edge: configuration read from the environment once per container, and the clients built from
 * it. Domain code (shared/) receives these as arguments and never reads the environment itself.
 */
import { COST_SETTINGS_ENV, type DeploySettings } from '../../shared/plan/cost';
import { createCaches, type StepCaches } from '../../shared/steps/context';
import { createS3Client, credentialsFromEnv, ObjectStore } from '../../shared/store/s3';

export interface HandlerContext {
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
