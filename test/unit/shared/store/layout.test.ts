import { UnsafeIdError } from '../../../../shared/errors';
import {
  assertBatchKey,
  assertDatasetName,
  assertSweepId,
  assertTrialId,
  batchKeyOf,
  batchPrefix,
  bestKey,
  bestPrefix,
  datasetKey,
  legacyTrialKey,
  leaderboardKey,
  manifestKey,
  mapResultsPrefix,
  parseS3Uri,
  s3Uri,
  specKey,
  sweepPrefix,
  trialObjectOf,
  trialPartKey,
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
    expect(legacyTrialKey(SWEEP, TRIAL)).toBe('sweeps/my-sweep-1/trials/t-0123456789abcdef.json');
    expect(batchKeyOf(TRIAL, 100)).toBe('t-0123456789abcdef+100');
    expect(batchPrefix(SWEEP, 't-0123456789abcdef+100')).toBe('sweeps/my-sweep-1/trials/t-0123456789abcdef+100/');
    // 2026-11-30T00:00:00Z = 1795996800000 ms = "0mx2i4g00" (base 36, 9 digits); then 6 random hex; then the record count
    expect(trialPartKey(SWEEP, 't-0123456789abcdef+100', 100, Date.UTC(2026, 10, 30))).toMatch(
      /^sweeps\/my-sweep-1\/trials\/t-0123456789abcdef\+100\/0mx2i4g00-[0-9a-f]{6}\.n100\.json$/,
    );
    expect(bestPrefix(SWEEP)).toBe('sweeps/my-sweep-1/best/');
    expect(bestKey(SWEEP)).toBe('sweeps/my-sweep-1/best/best.json');
    expect(mapResultsPrefix(SWEEP)).toBe('sweeps/my-sweep-1/map-results');
  });

  it('name every part uniquely, in write-time order, so no write overwrites another', () => {
    const keys = Array.from({ length: 200 }, () => trialPartKey(SWEEP, 't-0123456789abcdef+2', 2, 1796000000000));
    expect(new Set(keys).size).toBe(200);
    expect(trialPartKey(SWEEP, 't-0123456789abcdef+2', 2, 1796000000000) < trialPartKey(SWEEP, 't-0123456789abcdef+2', 2, 1796000000001)).toBe(true);
    expect(() => trialPartKey(SWEEP, 't-0123456789abcdef+2', 0)).toThrow(RangeError);
  });

  it('tell parts and legacy records apart from a key, and ignore anything else under trials/', () => {
    const part = trialPartKey(SWEEP, 't-0123456789abcdef+7', 7);
    expect(trialObjectOf(SWEEP, part)).toEqual({ kind: 'part', batchKey: 't-0123456789abcdef+7', records: 7 });
    expect(trialObjectOf(SWEEP, legacyTrialKey(SWEEP, TRIAL))).toEqual({ kind: 'legacy', trialId: TRIAL });
    for (const rel of [
      'notes.txt',
      't-xyz.json',
      `${TRIAL}.json.tmp`,
      `${TRIAL}+7/x.json`,
      `${TRIAL}+7/a/${part.split('/').pop()!}`,
      `x+7/${part.split('/').pop()!}`,
    ]) {
      expect(trialObjectOf(SWEEP, `sweeps/my-sweep-1/trials/${rel}`)).toBeUndefined();
    }
    expect(trialObjectOf(SWEEP, `sweeps/other/trials/${TRIAL}.json`)).toBeUndefined();
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
      for (const b of [...sweepBuilders, (s: string) => legacyTrialKey(s, TRIAL), (s: string) => trialPartKey(s, batchKeyOf(TRIAL, 500), 500)]) {
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
    expect(() => legacyTrialKey(bad as string, TRIAL)).toThrow(UnsafeIdError);
  });

  it('shows the bad value in the message', () => {
    expect(() => sweepPrefix('../x')).toThrow(`unsafe sweepId "../x": must be a slug of a-z, 0-9 and '-'`);
    expect(() => legacyTrialKey(SWEEP, 't-xyz')).toThrow(/unsafe trialId "t-xyz"/);
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
    expect(() => legacyTrialKey(SWEEP, bad as string)).toThrow(UnsafeIdError);
    expect(() => batchKeyOf(bad as string, 10)).toThrow(UnsafeIdError);
  });

  const badBatchKeys: unknown[] = [
    `${TRIAL}`,
    `${TRIAL}+0`,
    `${TRIAL}+01`,
    `${TRIAL}+10000`,
    `${TRIAL}+1/..`,
    `../${TRIAL}+1`,
    `${TRIAL}+-1`,
    't-xyz+1',
    `${TRIAL} 1`,
    7,
  ];
  it.each(badBatchKeys.map((v) => [v]))('batch key %p', (bad) => {
    expect(() => assertBatchKey(bad)).toThrow(UnsafeIdError);
    expect(() => batchPrefix(SWEEP, bad as string)).toThrow(UnsafeIdError);
    expect(() => trialPartKey(SWEEP, bad as string, 1)).toThrow(UnsafeIdError);
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
    const uri = s3Uri('my-bucket', legacyTrialKey(SWEEP, TRIAL));
    expect(parseS3Uri(uri)).toEqual({ bucket: 'my-bucket', key: legacyTrialKey(SWEEP, TRIAL) });
  });

  it.each([['http://b/k'], ['s3://bucket'], ['s3://bucket/'], ['s3:///key'], ['s3://UPPER/key'], ['bucket/key'], ['']])('reject %p naming the uri', (bad) => {
    expect(() => parseS3Uri(bad)).toThrow(UnsafeIdError);
    expect(() => parseS3Uri(bad)).toThrow(JSON.stringify(bad));
  });

  it('rejects a bad bucket name when building', () => {
    expect(() => s3Uri('Bad_Bucket', 'k')).toThrow(UnsafeIdError);
  });
});
