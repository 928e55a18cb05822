import { ConfigError, DEFAULT_CONFIG, parseConfig } from '../../infra/config';
import { cdkJsonContext, createRegsweepApp } from '../../infra/regsweep-app';
import { removeTempDirs, tempDir } from './support';

const spec = {
  dataset: { source: 's3://${BucketName}/datasets/diabetes.csv', target: 'target', task: 'regression' },
  search: { types: ['l2'], lambda: [0.01, 0.1, 1] },
};

describe('parseConfig', () => {
  it('fills every default when the context has no regsweep object', () => {
    // Act
    const config = parseConfig(undefined);
    // Assess
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config).toMatchObject({
      trialRuntime: 'container',
      trialMemoryMb: 2048,
      trialTimeoutSeconds: 900,
      maxConcurrency: 100,
      toleratedFailurePercentage: 10,
      sweepRetentionDays: 90,
      removalPolicy: 'retain',
      schedules: [],
    });
    expect(config.alarmEmail).toBeUndefined();
  });

  it('keeps given values and defaults the others', () => {
    const config = parseConfig({ trialRuntime: 'zip', maxConcurrency: 7, toleratedFailurePercentage: 12.5 });
    expect(config).toMatchObject({ trialRuntime: 'zip', maxConcurrency: 7, toleratedFailurePercentage: 12.5, trialMemoryMb: 2048 });
  });

  it('EXPRESS child executions with a trial timeout that fits in 5 minutes', () => {
    expect(parseConfig({ childExecutionType: 'EXPRESS', trialTimeoutSeconds: 240 })).toMatchObject({ childExecutionType: 'EXPRESS', trialTimeoutSeconds: 240 });
    expect(parseConfig(undefined).childExecutionType).toBe('STANDARD');
  });

  it('defaults the batch sizes to 100 exact linear trials and 1 SGD trial per invocation', () => {
    expect(parseConfig(undefined)).toMatchObject({ exactBatchSize: 100, sgdBatchSize: 1 });
    expect(parseConfig({ exactBatchSize: 250, sgdBatchSize: 4 })).toMatchObject({ exactBatchSize: 250, sgdBatchSize: 4 });
  });

  it('accepts the JSON text `cdk -c regsweep=...` passes', () => {
    expect(parseConfig('{"maxConcurrency": 3}').maxConcurrency).toBe(3);
  });

  it('reads a schedule, keeping its spec verbatim', () => {
    const config = parseConfig({ schedules: [{ name: 'nightly', expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris', spec }] });
    expect(config.schedules).toEqual([{ name: 'nightly', expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris', enabled: true, spec }]);
  });

  it('the cdk.json in the repository parses', () => {
    expect(() => parseConfig(cdkJsonContext().regsweep)).not.toThrow();
  });

  it.each<[string, unknown, RegExp]>([
    ['regsweep itself', [], /^regsweep must be an object, got \[\]/],
    ['unparseable JSON text', '{maxConcurrency', /^regsweep must be a JSON object/],
    ['an unknown key (typo)', { maxConcurency: 5 }, /^regsweep\.maxConcurency is not a known setting/],
    ['trialRuntime', { trialRuntime: 'lambda' }, /^regsweep\.trialRuntime must be one of 'container', 'zip', got "lambda"/],
    ['trialMemoryMb too small', { trialMemoryMb: 64 }, /^regsweep\.trialMemoryMb must be >= 128, got 64/],
    ['trialMemoryMb too large', { trialMemoryMb: 20000 }, /^regsweep\.trialMemoryMb must be <= 10240, got 20000/],
    ['trialMemoryMb not an integer', { trialMemoryMb: '2048' }, /^regsweep\.trialMemoryMb must be an integer, got "2048"/],
    ['trialTimeoutSeconds', { trialTimeoutSeconds: 901 }, /^regsweep\.trialTimeoutSeconds must be <= 900, got 901/],
    ['trialTimeoutSeconds zero', { trialTimeoutSeconds: 0 }, /^regsweep\.trialTimeoutSeconds must be >= 1, got 0/],
    ['planMemoryMb', { planMemoryMb: 100 }, /^regsweep\.planMemoryMb must be >= 128, got 100/],
    ['aggregateMemoryMb', { aggregateMemoryMb: 1.5 }, /^regsweep\.aggregateMemoryMb must be an integer, got 1\.5/],
    ['refitMemoryMb', { refitMemoryMb: 10241 }, /^regsweep\.refitMemoryMb must be <= 10240, got 10241/],
    ['refitTimeoutSeconds', { refitTimeoutSeconds: 1000 }, /^regsweep\.refitTimeoutSeconds must be <= 900, got 1000/],
    ['exactBatchSize zero', { exactBatchSize: 0 }, /^regsweep\.exactBatchSize must be >= 1, got 0/],
    ['sgdBatchSize over the batch cap', { sgdBatchSize: 501 }, /^regsweep\.sgdBatchSize must be <= 500, got 501/],
    ['maxConcurrency', { maxConcurrency: 0 }, /^regsweep\.maxConcurrency must be >= 1, got 0/],
    ['childExecutionType', { childExecutionType: 'express' }, /^regsweep\.childExecutionType must be one of 'STANDARD', 'EXPRESS', got "express"/],
    [
      'EXPRESS children with a trial timeout over what 5 minutes hold',
      { childExecutionType: 'EXPRESS' },
      /^regsweep\.trialTimeoutSeconds must be <= 240 with childExecutionType 'EXPRESS' \(an Express child execution runs at most 5 minutes\), got 900/,
    ],
    ['maxConcurrency over the Distributed Map limit', { maxConcurrency: 10001 }, /^regsweep\.maxConcurrency must be <= 10000, got 10001/],
    ['toleratedFailurePercentage', { toleratedFailurePercentage: 101 }, /^regsweep\.toleratedFailurePercentage must be <= 100, got 101/],
    ['toleratedFailurePercentage negative', { toleratedFailurePercentage: -1 }, /^regsweep\.toleratedFailurePercentage must be >= 0, got -1/],
    ['sweepRetentionDays', { sweepRetentionDays: 0 }, /^regsweep\.sweepRetentionDays must be >= 1, got 0/],
    ['logRetentionDays', { logRetentionDays: 10 }, /^regsweep\.logRetentionDays must be one of 1, 3, 5, 7, 14, 30/],
    ['removalPolicy', { removalPolicy: 'snapshot' }, /^regsweep\.removalPolicy must be one of 'retain', 'destroy', got "snapshot"/],
    ['alarmEmail', { alarmEmail: 'not-an-email' }, /^regsweep\.alarmEmail must be an email address, got "not-an-email"/],
    ['schedules not an array', { schedules: {} }, /^regsweep\.schedules must be an array, got \{\}/],
    ['a schedule name', { schedules: [{ name: 'Nightly Run', expression: 'rate(1 day)', spec }] }, /^regsweep\.schedules\[0\]\.name must be a slug/],
    [
      'a schedule expression',
      { schedules: [{ name: 'n', expression: 'every day', spec }] },
      /^regsweep\.schedules\[0\]\.expression must start with 'cron\(', 'rate\(' or 'at\(' and end with '\)', got "every day"/,
    ],
    [
      'a schedule timezone',
      { schedules: [{ name: 'n', expression: 'rate(1 day)', timezone: 'Paris time', spec }] },
      /^regsweep\.schedules\[0\]\.timezone must be an IANA time zone/,
    ],
    [
      'a schedule without spec',
      { schedules: [{ name: 'n', expression: 'rate(1 day)' }] },
      /^regsweep\.schedules\[0\]\.spec must be a sweep spec object, got undefined/,
    ],
    [
      'an invalid schedule spec',
      { schedules: [{ name: 'n', expression: 'rate(1 day)', spec: { ...spec, search: { types: ['l2'], lambda: [-1] } } }] },
      /^regsweep\.schedules\[0\]\.spec: invalid spec: search\.lambda\[0\]: must be >= 0, got -1/,
    ],
    [
      'a scheduled spec with a fixed sweepId',
      { schedules: [{ name: 'n', expression: 'rate(1 day)', spec: { ...spec, sweepId: 'fixed' } }] },
      /^regsweep\.schedules\[0\]\.spec\.sweepId must be absent/,
    ],
    [
      'an unknown schedule field',
      { schedules: [{ name: 'n', expression: 'rate(1 day)', spec, cron: 'x' }] },
      /^regsweep\.schedules\[0\]\.cron is not a schedule setting/,
    ],
    [
      'a duplicate schedule name',
      {
        schedules: [
          { name: 'n', expression: 'rate(1 day)', spec },
          { name: 'n', expression: 'rate(2 days)', spec },
        ],
      },
      /^regsweep\.schedules\[1\]\.name must be unique, got "n" twice/,
    ],
  ])('rejects an invalid config (%s), naming the key', (_what, raw, message) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });
});

describe('the stack reads its configuration from the context', () => {
  afterAll(removeTempDirs);

  it('throws at construction with the key named when cdk.json context is invalid', () => {
    const context = { ...cdkJsonContext(), regsweep: { maxConcurrency: 0 } };
    expect(() => createRegsweepApp({ context, bundle: false, nag: false, outdir: tempDir() })).toThrow(/regsweep\.maxConcurrency must be >= 1, got 0/);
  });

  it('rejects an invalid stackName context', () => {
    const context = { ...cdkJsonContext(), stackName: 'my stack' };
    expect(() => createRegsweepApp({ context, bundle: false, nag: false, outdir: tempDir() })).toThrow(/stackName must start with a letter/);
  });
});
