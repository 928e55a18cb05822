/**
 * The ONE module over @aws-sdk/client-s3. Everything else reads and writes S3 through ObjectStore, the S3
 * implementation of BucketBlobs (blobs.ts), the interface the steps and SweepStore take.
 *
 * Checksums: the SDK's default (`WHEN_SUPPORTED`) sends streaming uploads as aws-chunked bodies with a trailing
 * CRC32, which the local server (local/s3-server-process.js) does not decode: it refuses them with 501
 * NotImplemented rather than store the framing. `WHEN_REQUIRED` keeps bodies plain (their SHA-256 signed in
 * x-amz-content-sha256, which the local server checks), which real S3 accepts just as well, so the same client
 * configuration works locally and in the cloud.
 *
 * Retries: the SDK's standard strategy (its error classification and retry quota) with 8 attempts and a capped
 * exponential backoff with equal jitter (S3_RETRY below), instead of the default 3 attempts with full jitter that
 * can give up within ~100 ms. Throttling (503 SlowDown), 5xx, timeouts and connection errors (ECONNREFUSED,
 * ECONNRESET, EPIPE: e.g. the local server restarting) are retried for at least ~8 s in all; client errors
 * (403, 404, 400) are not retried.
 */
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { BucketBlobs } from './blobs';

/** An access key pair (and session token) for S3. */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3ClientOptions {
  /** e.g. `http://127.0.0.1:4568` for the local server; unset for real S3. */
  endpoint?: string;
  region?: string;
  /** @default - the SDK's default provider chain (environment, profile, SSO, instance role, ...) */
  credentials?: S3Credentials;
}

/**
 * The key pair in `env` (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), or undefined when it has
 * none. For the edges (handlers, CLI) that hand a custom endpoint explicit credentials; this module never reads
 * the environment itself.
 */
export function credentialsFromEnv(env: Readonly<Record<string, string | undefined>>): S3Credentials | undefined {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** Retry settings of every client createS3Client builds. */
export const S3_RETRY = {
  /** Attempts in all (the first one included). */
  maxAttempts: 8,
  /** Delay before the first retry, doubled for each next one... */
  baseDelayMs: 250,
  /** ...up to this. */
  maxDelayMs: 4000,
} as const;

/**
 * Delay before retry number `attempt` (1 = the first retry): min(cap, base * 2^(attempt-1)), of which the upper
 * half is random (equal jitter), so retries of many clients spread out but never collapse to ~0. With the
 * settings above the 7 retries wait between 7.9 s and 15.75 s in all.
 */
export function s3RetryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(S3_RETRY.maxDelayMs, S3_RETRY.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(ceiling / 2 + (random() * ceiling) / 2);
}

export function createS3Client(opts: S3ClientOptions = {}): S3Client {
  const config: S3ClientConfig = {
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    retryStrategy: new ConfiguredRetryStrategy(S3_RETRY.maxAttempts, (attempt) => s3RetryDelayMs(attempt)),
  };
  if (opts.region) config.region = opts.region;
  if (opts.credentials) config.credentials = opts.credentials;
  if (opts.endpoint) {
    config.endpoint = opts.endpoint;
    config.forcePathStyle = true;
    config.region ??= 'us-east-1';
  }
  return new S3Client(config);
}

/** An object exists but its content is not what the reader expects (e.g. invalid JSON). */
export class CorruptObjectError extends Error {
  constructor(
    message: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CorruptObjectError';
  }
}

/**
 * An S3 call failed for a reason other than not-found. The message names the operation and the object; `name`
 * (and `$metadata`, `$fault`, `$retryable`, `Code`) are copied from the SDK error so retry logic still recognises
 * transient errors (`SlowDown`, `InternalError`, `TimeoutError`, ...). The original is `cause`.
 */
export class S3OperationError extends Error {
  readonly $metadata?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly Code?: unknown;
  constructor(
    readonly operation: string,
    readonly uri: string,
    cause: unknown,
  ) {
    super(`S3 ${operation} ${uri} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    const c = (cause ?? {}) as Record<string, unknown>;
    this.name = typeof c.name === 'string' && c.name ? c.name : 'S3OperationError';
    this.$metadata = c.$metadata;
    this.$fault = c.$fault;
    this.$retryable = c.$retryable;
    this.Code = c.Code;
  }
}

/** The object does not exist. A missing bucket is NOT "not found": it is a configuration error and propagates. */
function isNotFound(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  if (err.name === 'NoSuchBucket' || err.Code === 'NoSuchBucket') return false;
  return err.name === 'NoSuchKey' || err.Code === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404;
}

/** S3's answer when the caller may not read the key, or may read it but not list where it would be. */
function isAccessDenied(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'AccessDenied' || err.Code === 'AccessDenied' || err.$metadata?.httpStatusCode === 403;
}

export class ObjectStore implements BucketBlobs {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
  ) {}

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  private wrap(operation: string, key: string, e: unknown): S3OperationError {
    return new S3OperationError(operation, this.uri(key), e);
  }

  /**
   * True when a GetObject/HeadObject answered 403 because the key does not exist. S3 answers 404 for a missing key
   * only to a caller allowed s3:ListBucket in general; the functions' roles may list only their own prefixes (an
   * `s3:prefix` condition, infra/functions.ts), so S3 says 403. Listing the key itself (allowed under those
   * prefixes) tells the cases apart; a listing that is refused too, or that finds the key, leaves a real denial.
   */
  private async missingBehind403(key: string, e: unknown): Promise<boolean> {
    if (!isAccessDenied(e)) return false;
    try {
      const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }));
      return !(res.Contents ?? []).some((o) => o.Key === key);
    } catch {
      return false;
    }
  }

  /** The object's bytes and ETag, or undefined when it does not exist. */
  async getBytes(key: string): Promise<{ body: Uint8Array; etag: string } | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = res.Body ? await res.Body.transformToByteArray() : new Uint8Array(0);
      return { body, etag: res.ETag ?? '' };
    } catch (e) {
      if (isNotFound(e) || (await this.missingBehind403(key, e))) return undefined;
      throw this.wrap('GetObject', key, e);
    }
  }

  async getText(key: string): Promise<string | undefined> {
    const got = await this.getBytes(key);
    return got && Buffer.from(got.body.buffer, got.body.byteOffset, got.body.byteLength).toString('utf8');
  }

  /** The parsed JSON, or undefined when the object does not exist; invalid JSON throws CorruptObjectError. */
  async getJson(key: string): Promise<unknown> {
    const text = await this.getText(key);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new CorruptObjectError(`corrupt object ${this.uri(key)}: invalid JSON (${e instanceof Error ? e.message : String(e)})`, key, { cause: e });
    }
  }

  async putBytes(key: string, body: Uint8Array, contentType = 'application/octet-stream'): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentLength: body.byteLength,
        }),
      );
    } catch (e) {
      throw this.wrap('PutObject', key, e);
    }
  }

  async putText(key: string, text: string, contentType = 'text/plain; charset=utf-8'): Promise<void> {
    await this.putBytes(key, Buffer.from(text, 'utf8'), contentType);
  }

  /** One PutObject, so the object is written whole (S3 never shows a partial object). */
  async putJson(key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`putJson ${this.uri(key)}: value is not JSON-serializable`);
    await this.putText(key, text, 'application/json');
  }

  async head(key: string): Promise<{ etag: string; size: number } | undefined> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { etag: res.ETag ?? '', size: res.ContentLength ?? 0 };
    } catch (e) {
      if (isNotFound(e) || (await this.missingBehind403(key, e))) return undefined;
      throw this.wrap('HeadObject', key, e);
    }
  }

  /** Every key under the prefix (all pages), in S3's order (lexicographic). */
  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let res;
      try {
        res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      } catch (e) {
        throw this.wrap('ListObjectsV2', prefix, e);
      }
      for (const o of res.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
      if (res.IsTruncated && !token) {
        throw this.wrap('ListObjectsV2', prefix, new Error('truncated page without NextContinuationToken'));
      }
    } while (token);
    return keys;
  }

  /** Deletes every object under the prefix (DeleteObjects in batches of 1000). Returns how many were deleted. */
  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.listKeys(prefix);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      let res;
      try {
        res = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
      } catch (e) {
        throw this.wrap('DeleteObjects', prefix, e);
      }
      const errors = res.Errors ?? [];
      if (errors.length > 0) {
        const first = errors[0];
        throw this.wrap('DeleteObjects', prefix, new Error(`${errors.length} object(s) not deleted, first ${first.Key}: ${first.Code} ${first.Message}`));
      }
    }
    return keys.length;
  }
}
