import { UnsafeIdError } from '../../../../shared/errors';
import {
  assertDatasetName,
  assertSweepId,
  assertTrialId,
  bestKey,
  bestPrefix,
  datasetKey,
  leaderboardKey,
  manifestKey,
  mapResultsPrefix,
  parseS3Uri,
  s3Uri,
  specKey,
  sweepPrefix,
  trialKey,
  trialsPrefix,
} from '../../../../shared/store/layout';

const SWEEP = 'my-sweep-1';
const TRIAL = 't-0123456789abcdef';

describe('key builders', () => {
  it('build the documented keys', () => {
    expect(datasetKey('iris.csv')).toBe('datasets/iris.csv');
    expect(datasetKey('house_prices-v2.jsonl')).toBe('datasets/house_prices-v2.jsonl');
    expect(datasetKey('Events.2024.ndjson')).toBe('datasets/Events.2024.ndjson');
    expect(sweepPrefix(SWEEP)).toBe('sweeps/my-sweep-1/');
    expect(specKey(SWEEP)).toBe('sweeps/my-sweep-1/spec.json');
    expect(manifestKey(SWEEP)).toBe('sweeps/my-sweep-1/manifest.json');
    expect(leaderboardKey(SWEEP)).toBe('sweeps/my-sweep-1/leaderboard.json');
    expect(trialsPrefix(SWEEP)).toBe('sweeps/my-sweep-1/trials/');
    expect(trialKey(SWEEP, TRIAL)).toBe('sweeps/my-sweep-1/trials/t-0123456789abcdef.json');
    expect(bestPrefix(SWEEP)).toBe('sweeps/my-sweep-1/best/');
    expect(bestKey(SWEEP)).toBe('sweeps/my-sweep-1/best/best.json');
    expect(mapResultsPrefix(SWEEP)).toBe('sweeps/my-sweep-1/map-results');
  });

  it('accept the slug limits', () => {
    expect(sweepPrefix('a')).toBe('sweeps/a/');
    const max = 'a'.repeat(63);
    expect(sweepPrefix(max)).toBe(`sweeps/${max}/`);
  });

  it('never return a key outside sweeps/<id>/ or datasets/', () => {
    const ids = ['a', '0', 'x-1', 'z'.repeat(63)];
    const sweepBuilders = [sweepPrefix, specKey, manifestKey, leaderboardKey, trialsPrefix, bestPrefix, bestKey, mapResultsPrefix];
    for (const id of ids) {
      for (const b of [...sweepBuilders, (s: string) => trialKey(s, TRIAL)]) {
        const key = b(id);
        expect(key.startsWith(`sweeps/${id}/`)).toBe(true);
        expect(key.split('/')).not.toContain('..');
        expect(key).not.toMatch(/\/\/|^\//);
      }
    }
    for (const name of ['a.csv', 'A_b-c.d.jsonl', 'x.ndjson']) {
      const key = datasetKey(name);
      expect(key.startsWith('datasets/')).toBe(true);
      expect(key.slice('datasets/'.length)).not.toContain('/');
    }
  });
});

describe('unsafe ids are rejected', () => {
  const badSweepIds: unknown[] = ['../x', 'a/b', 'UPPER', '', 'a'.repeat(64), '-lead', 'a b', 'a.b', 'a\nb', undefined, 42];
  it.each(badSweepIds.map((v) => [v]))('sweepId %p', (bad) => {
    expect(() => assertSweepId(bad)).toThrow(UnsafeIdError);
    for (const b of [sweepPrefix, specKey, manifestKey, leaderboardKey, trialsPrefix, bestPrefix, bestKey, mapResultsPrefix]) {
      expect(() => b(bad as string)).toThrow(UnsafeIdError);
    }
    expect(() => trialKey(bad as string, TRIAL)).toThrow(UnsafeIdError);
  });

  it('shows the bad value in the message', () => {
    expect(() => sweepPrefix('../x')).toThrow(`unsafe sweepId "../x": must be a slug of a-z, 0-9 and '-'`);
    expect(() => trialKey(SWEEP, 't-xyz')).toThrow(/unsafe trialId "t-xyz"/);
    expect(() => datasetKey('../../etc/passwd.csv')).toThrow(/unsafe dataset name "..\/..\/etc\/passwd.csv"/);
  });

  const badTrialIds: unknown[] = [
    't-xyz',
    '../x',
    'a/b',
    'UPPER',
    '',
    't-0123456789ABCDEF',
    't-0123456789abcde',
    't-0123456789abcdef0',
    'x-0123456789abcdef',
    't-0123456789abcdef/../..',
    null,
  ];
  it.each(badTrialIds.map((v) => [v]))('trialId %p', (bad) => {
    expect(() => assertTrialId(bad)).toThrow(UnsafeIdError);
    expect(() => trialKey(SWEEP, bad as string)).toThrow(UnsafeIdError);
  });

  const badDatasets: unknown[] = [
    '../../etc/passwd.csv',
    '../x.csv',
    'a/b.csv',
    '/abs.csv',
    'a..b.csv',
    '..csv',
    '.hidden.csv',
    'data.txt',
    'data.csv.exe',
    'data',
    '',
    'has space.csv',
    'back\\slash.csv',
    undefined,
  ];
  it.each(badDatasets.map((v) => [v]))('dataset name %p', (bad) => {
    expect(() => assertDatasetName(bad)).toThrow(UnsafeIdError);
    expect(() => datasetKey(bad as string)).toThrow(UnsafeIdError);
  });

  it('dataset name of 300+ chars', () => {
    expect(() => datasetKey(`${'a'.repeat(300)}.csv`)).toThrow(UnsafeIdError);
  });
});

describe('S3 URIs', () => {
  it('parse and build', () => {
    expect(parseS3Uri('s3://my-bucket/datasets/iris.csv')).toEqual({ bucket: 'my-bucket', key: 'datasets/iris.csv' });
    expect(parseS3Uri('s3://b.example-1/a/b/c')).toEqual({ bucket: 'b.example-1', key: 'a/b/c' });
    expect(s3Uri('my-bucket', 'sweeps/x/spec.json')).toBe('s3://my-bucket/sweeps/x/spec.json');
    const uri = s3Uri('my-bucket', trialKey(SWEEP, TRIAL));
    expect(parseS3Uri(uri)).toEqual({ bucket: 'my-bucket', key: trialKey(SWEEP, TRIAL) });
  });

  it.each([['http://b/k'], ['s3://bucket'], ['s3://bucket/'], ['s3:///key'], ['s3://UPPER/key'], ['bucket/key'], ['']])('reject %p naming the uri', (bad) => {
    expect(() => parseS3Uri(bad)).toThrow(UnsafeIdError);
    expect(() => parseS3Uri(bad)).toThrow(JSON.stringify(bad));
  });

  it('rejects a bad bucket name when building', () => {
    expect(() => s3Uri('Bad_Bucket', 'k')).toThrow(UnsafeIdError);
  });
});
