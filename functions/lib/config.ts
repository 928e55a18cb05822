/**
 * The handlers' edge: configuration read from the environment once per container, and the clients built from
 * it. Domain code (shared/) receives these as arguments and never reads the environment itself.
 */
import { createCaches, type StepCaches } from '../../shared/steps/context';
import { createS3Client, ObjectStore } from '../../shared/store/s3';

export interface HandlerContext {
  readonly store: ObjectStore;
  readonly caches: StepCaches;
}

let context: HandlerContext | undefined;

/** The bucket (BUCKET_NAME) and optional S3 endpoint (S3_ENDPOINT, for the local harness). */
export function handlerContext(env: NodeJS.ProcessEnv = process.env): HandlerContext {
  if (context) return context;
  const bucket = env.BUCKET_NAME;
  if (!bucket) throw new Error('BUCKET_NAME is not set: the stack sets it on every function');
  const client = createS3Client({ endpoint: env.S3_ENDPOINT || undefined, region: env.AWS_REGION || undefined });
  context = { store: new ObjectStore(client, bucket), caches: createCaches() };
  return context;
}
