/**
 * The CLI's AWS plumbing: clients (the SDK's default credential and region providers, so AWS_PROFILE, SSO,
 * AWS_REGION, ... apply; `--region` overrides the region), the deployed stack's outputs, the sweep bucket, and
 * the translation of AWS errors into one line a user can act on. No message printed from here ever contains a
 * credential: every message passes through `redactSecrets`.
 *
 * The Step Functions and CloudFormation SDKs are loaded on first use, so commands that never call AWS do not pay
 * for them. Endpoints: the SDK honours AWS_ENDPOINT_URL_SFN / AWS_ENDPOINT_URL_CLOUDFORMATION (LocalStack, the
 * tests' stub); S3 takes `--s3-endpoint URL` (MinIO, LocalStack, the local S3 server).
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { UserInputError, UsageError } from '../shared/errors';
import { createS3Client, credentialsFromEnv, ObjectStore, S3OperationError } from '../shared/store/s3';

/** The stack's name and outputs come from infra/contract.ts, which imports no CDK (the CLI starts fast). */
export { DEFAULT_STACK_NAME, STACK_OUTPUTS } from '../infra/contract';
import { DEFAULT_STACK_NAME, STACK_OUTPUTS } from '../infra/contract';

/**
 * A problem with the AWS setup the user fixes by configuration or arguments (no credentials, no region, no such
 * stack, execution or sweep): like bad input, one line and exit 2.
 */
export class AwsSetupError extends UserInputError {}

/**
 * A command that ran but reports a failure (e.g. the execution it shows has failed): its message on stderr,
 * exit 1. explainAwsError passes it through (redacted).
 */
export class CommandFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Error'; // main.ts prints the message alone
  }
}

/** Options every cloud command takes. */
export interface AwsOptions {
  /** Overrides the SDK's region providers (AWS_REGION, the profile's region). */
  readonly region?: string;
  /** S3 endpoint URL (MinIO, LocalStack, a local S3 server); path-style addressing. */
  readonly s3Endpoint?: string;
}

// ---------------------------------------------------------------------------------------------- secrets

const SECRET_ENV = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_ACCESS_KEY_ID'] as const;

/** `text` with the value of every credential variable in the environment replaced by `***`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const name of SECRET_ENV) {
    const value = process.env[name];
    if (value && value.length >= 4) out = out.split(value).join('***');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- errors

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const GENERIC_NO_CREDENTIALS = /could not load credentials from any providers/i;
const BAD_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'InvalidSignatureException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'AuthFailure',
]);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError', 'Forbidden']);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'SlowDown', 'RequestLimitExceeded']);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError']);

/** The innermost SDK error: ObjectStore wraps S3 errors in an S3OperationError whose `cause` is the SDK's. */
function rootCause(e: unknown): ErrorLike {
  let cur = (e ?? {}) as ErrorLike;
  for (let i = 0; i < 5 && cur.name === 'S3OperationError' && cur.cause; i++) cur = cur.cause;
  if ((cur.name === undefined || cur.name === 'Error') && cur.cause && typeof cur.cause === 'object') {
    const inner = cur.cause as ErrorLike;
    if (inner.code || inner.name) return inner;
  }
  return cur;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * An AWS failure as one actionable line: credential and region problems (AwsSetupError, exit 2) name the
 * settings to fix; anything else (exit 1) names the service, the operation and AWS's error code. UserInputErrors
 * pass through. Every message is redacted.
 */
export function explainAwsError(e: unknown, what: string): Error {
  if (e instanceof UserInputError) {
    const redacted = redactSecrets(e.message);
    if (redacted === e.message) return e;
    const copy = new (e.constructor as new (m: string) => UserInputError)(redacted);
    return copy;
  }
  if (e instanceof CommandFailedError) return new CommandFailedError(redactSecrets(e.message));
  if (e instanceof S3OperationError) what = `S3 ${e.operation} ${e.uri}`;
  const top = (e ?? {}) as ErrorLike;
  const err = rootCause(e);
  const name = err.name ?? '';
  const code = err.Code ?? err.code ?? name;
  const message = oneLine(redactSecrets(String(err.message ?? top.message ?? e)));
  if (name === 'CredentialsProviderError' || top.name === 'CredentialsProviderError') {
    const detail = GENERIC_NO_CREDENTIALS.test(message) ? '' : ` (${message})`;
    return new AwsSetupError(
      `no AWS credentials found${detail}: set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws configure / aws sso login`,
    );
  }
  if (name === 'TokenProviderError') return new AwsSetupError(`AWS SSO token unavailable (${message}): run aws sso login`);
  if (/^Region is missing/.test(message)) return new AwsSetupError('no AWS region: set AWS_REGION (or a region in your AWS profile), or pass --region');
  if (BAD_CREDENTIALS.has(code))
    return new AwsSetupError(`AWS rejected the credentials (${code}) for ${what}: check AWS_PROFILE / AWS_ACCESS_KEY_ID and the secret key`);
  if (EXPIRED.has(code)) return new AwsSetupError(`the AWS credentials have expired (${code}): refresh them (e.g. aws sso login) and retry`);
  if (DENIED.has(code)) return new Error(`access denied: ${what}: ${message}`);
  if (THROTTLED.has(code)) return new Error(`AWS throttled ${what} (${code}): retry in a moment`);
  if (NETWORK.has(code) || NETWORK.has(name))
    return new Error(`cannot reach AWS for ${what} (${code}): check the network, the region and any endpoint settings`);
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || err.$metadata?.httpStatusCode === 301) {
    return new AwsSetupError(`${what}: the bucket is in another region (${code}): pass --region with the bucket's region`);
  }
  if (code === 'NoSuchBucket') return new AwsSetupError(`${what}: no such bucket (check --bucket or the stack's BucketName output)`);
  const shownName = name && name !== 'Error' ? `${name}: ` : '';
  return new Error(`${what} failed: ${shownName}${message}`);
}

/** Run one AWS call; a failure becomes explainAwsError(e, what). */
export async function awsCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw explainAwsError(e, what);
  }
}

// ---------------------------------------------------------------------------------------------- clients

export async function createSfnClient(opts: { region?: string }): Promise<SFNClient> {
  const { SFNClient } = await import('@aws-sdk/client-sfn');
  return new SFNClient(opts.region ? { region: opts.region } : {});
}

export async function createCloudFormationClient(opts: { region?: string }): Promise<CloudFormationClient> {
  const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
  return new CloudFormationClient(opts.region ? { region: opts.region } : {});
}

/** The region a client resolved (flag, AWS_REGION, profile); a missing region becomes the one-line error. */
export async function clientRegion(client: { config: { region: () => Promise<string> } }): Promise<string> {
  return awsCall('resolving the AWS region', () => client.config.region());
}

/** An ObjectStore on `bucket`, through `--s3-endpoint` when given. The caller destroys `store.client`. */
export function openStore(opts: AwsOptions, bucket: string): ObjectStore {
  const client = createS3Client({
    ...(opts.s3Endpoint ? { endpoint: opts.s3Endpoint, credentials: credentialsFromEnv(process.env) } : {}),
    ...(opts.region ? { region: opts.region } : {}),
  });
  return new ObjectStore(client, bucket);
}

// ---------------------------------------------------------------------------------------------- the stack

export interface StackInfo {
  readonly stackName: string;
  readonly region: string;
  readonly status: string;
  readonly outputs: Record<string, string>;
}

/** DescribeStacks: the stack's outputs. A missing stack is an AwsSetupError saying how to deploy it. */
export async function describeStack(opts: AwsOptions, stackName: string): Promise<StackInfo> {
  const cfn = await createCloudFormationClient(opts);
  try {
    const region = await clientRegion(cfn);
    const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
    let res;
    try {
      res = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    } catch (e) {
      const err = e as ErrorLike;
      if ((err.name === 'ValidationError' || err.Code === 'ValidationError') && /does not exist/i.test(err.message ?? '')) {
        throw new AwsSetupError(`stack ${stackName} not found in ${region}: deploy it with npx cdk deploy (or pass --stack NAME / --region REGION)`);
      }
      throw explainAwsError(e, `CloudFormation DescribeStacks ${stackName} in ${region}`);
    }
    const stack = res.Stacks?.[0];
    if (!stack) throw new AwsSetupError(`stack ${stackName} not found in ${region}: deploy it with npx cdk deploy (or pass --stack NAME / --region REGION)`);
    const outputs: Record<string, string> = {};
    for (const o of stack.Outputs ?? []) if (o.OutputKey && o.OutputValue !== undefined) outputs[o.OutputKey] = o.OutputValue;
    return { stackName, region, status: stack.StackStatus ?? 'UNKNOWN', outputs };
  } finally {
    cfn.destroy();
  }
}

/** One output of the stack; a missing one says the stack is not (fully) a regsweep stack. */
export function stackOutput(stack: StackInfo, key: string): string {
  const value = stack.outputs[key];
  if (!value) {
    throw new AwsSetupError(
      `stack ${stack.stackName} in ${stack.region} has no output ${key} (status ${stack.status}): is it a regsweep stack, deployed completely? (npx cdk deploy)`,
    );
  }
  return value;
}

/** `--stack` and `--bucket` exclude each other; --stack defaults to DEFAULT_STACK_NAME. */
export function stackOrBucket(flags: { stack?: string; bucket?: string }): { stack: string; bucket?: string } {
  if (flags.stack !== undefined && flags.bucket !== undefined) throw new UsageError('give --stack or --bucket, not both');
  return { stack: flags.stack ?? DEFAULT_STACK_NAME, ...(flags.bucket !== undefined ? { bucket: flags.bucket } : {}) };
}

/** The sweep bucket: `--bucket` as given, else the stack's BucketName output. */
export async function resolveBucket(opts: AwsOptions, flags: { stack?: string; bucket?: string }): Promise<string> {
  const { stack, bucket } = stackOrBucket(flags);
  if (bucket !== undefined) return bucket;
  return stackOutput(await describeStack(opts, stack), STACK_OUTPUTS.bucketName);
}
