/**
 * The harness end to end against the local S3 server: the ASL comes from a synthesized template (asl-tokens),
 * handlers run in worker threads (LambdaPool) and use S3 themselves, and the Distributed Map reads its items from
 * and writes its results to that server.
 */
import * as path from 'node:path';
import { fakeRefsFromTemplate, bucketRef, stateMachineDefinitionFromTemplate, type CfnTemplate } from '../../local/asl-tokens';
import { LambdaPool } from '../../local/lambda-pool';
import { runStateMachine } from '../../local/runner';
import { ObjectStore } from '../../shared/store/s3';
import { useLocalS3 } from '../support/s3';
import templateJson from '../fixtures/harness/sweep.template.json';

const template = templateJson as unknown as CfnTemplate;
const BUNDLE = path.join(__dirname, '..', 'fixtures', 'harness', 'handlers', 'sweep-s3.js');
const BUCKET = 'regsweep-harness';

function logicalId(prefix: string, type: string): string {
  const id = Object.entries(template.Resources ?? {}).find(([k, r]) => k.startsWith(prefix) && r.Type === type)?.[0];
  if (!id) throw new Error(`no resource ${prefix}* in the template fixture`);
  return id;
}

const lambdaId = (prefix: string) => logicalId(prefix, 'AWS::Lambda::Function');

describe('harness with the local S3 server', () => {
  const s3 = useLocalS3(BUCKET);
  let pool: LambdaPool;
  const logs: string[] = [];

  beforeAll(() => {
    const env = { BUCKET, S3_ENDPOINT: s3.endpoint, AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey };
    const fn = (handlerExport: string) => ({ bundlePath: BUNDLE, handlerExport, env, timeoutSeconds: 30, memoryMb: 512 });
    pool = new LambdaPool({
      size: 4,
      functions: { [lambdaId('PlanFn')]: fn('plan'), [lambdaId('TrialFn')]: fn('trial'), [lambdaId('AggFn')]: fn('aggregate') },
      onLog: (name, stream, line) => logs.push(`${name} ${stream}: ${line}`),
    });
  });
  afterAll(async () => {
    await pool.close();
  });

  function definition() {
    const refs = { ...fakeRefsFromTemplate(template), [logicalId('Data', 'AWS::S3::Bucket')]: bucketRef(BUCKET) };
    return stateMachineDefinitionFromTemplate(template, refs);
  }

  function stores() {
    const store = s3.store;
    const forBucket = (bucket: string) => (bucket === BUCKET ? store : new ObjectStore(store.client, bucket));
    return {
      readJson: (bucket: string, key: string) => forBucket(bucket).getJson(key),
      writeJson: (bucket: string, key: string, value: unknown) => forBucket(bucket).putJson(key, value),
    };
  }

  it('runs the synthesized workflow: items read from S3, trials in workers, results written to S3', async () => {
    // Act
    const res = await runStateMachine({
      definition: definition(),
      invokeLambda: (fn, payload) => pool.invoke(fn, payload),
      ...stores(),
      input: { sweepId: 'sw-ok', trials: 5, failing: [3] }, // 1 of 5 = 20% <= ToleratedFailurePercentage 20
    });
    // Assess
    expect(res.status).toBe('SUCCEEDED');
    const out = res.output as { ok: number; failed: number; resultFiles: Record<string, { Key: string }[]> };
    expect(out).toMatchObject({ ok: 4, failed: 1 });
    expect(out.resultFiles.SUCCEEDED).toHaveLength(1);
    const failedKey = out.resultFiles.FAILED[0].Key;
    expect(failedKey).toMatch(/^map-results\/[0-9a-f-]{36}\/FAILED_0\.json$/);
    const failed = (await s3.store.getJson(failedKey)) as { Error: string; Cause: string }[];
    expect(failed).toHaveLength(1);
    expect(failed[0].Error).toBe('TrialError');
    expect(JSON.parse(failed[0].Cause)).toMatchObject({ errorType: 'TrialError', errorMessage: 'trial 3 diverged' });
    // Trials ran warm: no more cold starts than workers.
    expect(pool.stats().coldStarts).toBeLessThanOrEqual(pool.size + 2);
  });

  it('fails over the tolerated threshold, through the Map Catch, and keeps the failed trials records', async () => {
    const res = await runStateMachine({
      definition: definition(),
      invokeLambda: (fn, payload) => pool.invoke(fn, payload),
      ...stores(),
      input: { sweepId: 'sw-bad', trials: 5, failing: [1, 3] }, // 2 of 5 = 40% > 20%
    });
    expect(res.status).toBe('FAILED');
    expect(res.error).toBe('TrialsFailed');
    expect(res.cause).toContain('The specified tolerated failure threshold was exceeded. 2 of 5 items failed');
    const keys = await s3.store.listKeys('sweeps/sw-bad/trials/');
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(await s3.store.getJson('sweeps/sw-bad/trials/t-1.json')).toMatchObject({ status: 'failed' });
  });
});
