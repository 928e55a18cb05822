/**
 * The sweep bucket: datasets/ and sweeps/ (see shared/layout.ts), private, TLS only, encrypted, versioned, with a
 * lifecycle for old sweep data, and server access logs in a second bucket.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Key prefixes the stack grants on (shared/layout.ts builds the keys). */
export const DATASETS_PREFIX = 'datasets/';
export const SWEEPS_PREFIX = 'sweeps/';

export interface SweepBucketProps {
  /** Days after which objects under `sweeps/` expire; noncurrent versions expire this long after being replaced. @default 90 */
  readonly sweepRetentionDays?: number;
  /** Days the server access logs are kept. @default 90 */
  readonly accessLogRetentionDays?: number;
  /**
   * RETAIN keeps the buckets (and their data) when the stack is deleted; DESTROY empties and deletes them.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class SweepBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: SweepBucketProps = {}) {
    super(scope, id);
    const sweepRetentionDays = props.sweepRetentionDays ?? 90;
    const accessLogRetentionDays = props.accessLogRetentionDays ?? 90;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (!Number.isInteger(sweepRetentionDays) || sweepRetentionDays < 1) {
      throw new Error(`sweepRetentionDays must be an integer >= 1, got ${sweepRetentionDays}`);
    }
    if (!Number.isInteger(accessLogRetentionDays) || accessLogRetentionDays < 1) {
      throw new Error(`accessLogRetentionDays must be an integer >= 1, got ${accessLogRetentionDays}`);
    }
    if (removalPolicy !== RemovalPolicy.RETAIN && removalPolicy !== RemovalPolicy.DESTROY) {
      throw new Error(`removalPolicy must be RETAIN or DESTROY, got ${removalPolicy}`);
    }
    const destroy = removalPolicy === RemovalPolicy.DESTROY;

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Server access logs can only be delivered to a bucket with SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(accessLogRetentionDays) }],
      removalPolicy,
      autoDeleteObjects: destroy,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'sweep-bucket/',
      lifecycleRules: [
        {
          id: 'ExpireOldSweeps',
          prefix: SWEEPS_PREFIX,
          expiration: Duration.days(sweepRetentionDays),
        },
        {
          id: 'ExpireNoncurrentVersions',
          noncurrentVersionExpiration: Duration.days(sweepRetentionDays),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      removalPolicy,
      autoDeleteObjects: destroy,
    });
  }
}
