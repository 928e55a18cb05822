import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpecError } from '../../../../shared/errors';
import { parseSpec } from '../../../../shared/search/spec';
import { batchKeyOf, PART_NAME_RE } from '../../../../shared/store/layout';
import { DirectoryBlobs, SweepStore } from '../../../../shared/store/sweep-store';
import { buildLeaderboard } from '../../../../shared/study/leaderboard';
import type { TrialRecord } from '../../../../shared/study/records';
import { bestRecord, failedTrial, plannedTrials, regConfig, specInput, study, succeededTrial } from '../../../support/artifacts';

const SWEEP = 'unit-sweep';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-store-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const storeIn = (dir: string) => new SweepStore(new DirectoryBlobs(dir), SWEEP);
const write = (dir: string, rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};

/** A small finished sweep: spec, manifest (2 configs x 2 folds), records (one failed), leaderboard, best. */
function artifacts() {
  const spec = parseSpec(specInput({ types: ['l2'], lambda: [0.1, 10] }, { sweepId: SWEEP, validation: { folds: 2 } }));
  const items = [...plannedTrials(regConfig('l2', 0.1), 2), ...plannedTrials(regConfig('l2', 10), 2)];
  const records = [succeededTrial(items[0], 1), succeededTrial(items[1], 2), succeededTrial(items[2], 1.5), failedTrial(items[3])];
  const board = buildLeaderboard(SWEEP, items, records, study('min'));
  // manifest items carry no sweepId: each batch's BatchInput does
  return { spec, manifest: items.map((i) => ({ ...i })), records, board, best: bestRecord(board), batchKey: batchKeyOf(items[0].trialId, 4) };
}

/** The records as one batch of 4 writes them: two parts of two records. */
async function writeAll(store: SweepStore, a: ReturnType<typeof artifacts>) {
  await store.writeSpec(a.spec);
  await store.writeManifest(a.manifest);
  await store.writeTrialPart(a.batchKey, a.records.slice(0, 2));
  await store.writeTrialPart(a.batchKey, a.records.slice(2));
  await store.writeLeaderboard(a.board);
  await store.writeBest(a.best);
}

describe('SweepStore over DirectoryBlobs', () => {
  it('reads back what it wrote: spec, manifest, trials, leaderboard and best record', async () => {
    // Prepare
    const a = artifacts();
    const store = storeIn(tmp);
    // Act
    await writeAll(store, a);
    // Assess
    expect(await store.spec()).toEqual(a.spec);
    expect(await store.manifest()).toEqual(a.manifest);
    expect(await store.batchRecords(a.batchKey)).toEqual(new Map(a.records.map((r) => [r.trialId, r])));
    const { records, corrupt } = await store.trials();
    expect(corrupt).toBe(0);
    expect(records.sort((x, y) => x.trialId.localeCompare(y.trialId))).toEqual([...a.records].sort((x, y) => x.trialId.localeCompare(y.trialId)));
    expect(await store.leaderboard()).toEqual(a.board);
    expect(await store.best()).toEqual(a.best);
  });

  it('keeps the documented directory layout: best.json beside leaderboard.json, record parts under trials/<batchKey>/', async () => {
    const a = artifacts();
    await writeAll(storeIn(tmp), a);
    expect(fs.readdirSync(tmp).sort()).toEqual(['best.json', 'leaderboard.json', 'manifest.json', 'spec.json', 'trials']);
    expect(fs.readdirSync(path.join(tmp, 'trials'))).toEqual([`${a.manifest[0].trialId}+4`]);
    const parts = fs.readdirSync(path.join(tmp, 'trials', a.batchKey)).sort();
    expect(parts).toHaveLength(2);
    for (const name of parts) expect(name).toMatch(PART_NAME_RE);
    expect(parts.every((name) => name.endsWith('.n2.json'))).toBe(true);
    // a part is { "records": [...] } (two parts written in the same millisecond sort by their random suffix)
    const read = parts.map((name) => JSON.parse(fs.readFileSync(path.join(tmp, 'trials', a.batchKey, name), 'utf8')) as { records: TrialRecord[] });
    expect(read.map((part) => part.records[0].trialId).sort()).toEqual([a.records[0].trialId, a.records[2].trialId].sort());
    expect(read.find((part) => part.records[0].trialId === a.records[0].trialId)).toEqual({ records: a.records.slice(0, 2) });
  });

  it('reads absent objects as undefined', async () => {
    const store = storeIn(tmp);
    expect(await store.spec()).toBeUndefined();
    expect(await store.manifest()).toBeUndefined();
    expect(await store.leaderboard()).toBeUndefined();
    expect(await store.best()).toBeUndefined();
    expect(await store.trials()).toEqual({ records: [], corrupt: 0 });
  });
});

describe('SweepStore.exportTo', () => {
  it('copies a sweep to another directory with best.json at the top, the model under best/, and no map-results', async () => {
    // Prepare: a source sweep with a model and a Distributed Map result file
    const a = artifacts();
    const source = path.join(tmp, 'source');
    const store = storeIn(source);
    await writeAll(store, a);
    await store.writeModel({ format: 'layers-model' }, new Uint8Array([1, 2, 3]));
    write(source, 'map-results/run-1/FAILED_0.json', '[]');
    const target = path.join(tmp, 'export');
    // Act
    const written = await store.exportTo(target);
    // Assess
    expect(written).toBe(4 + 2 + 2); // spec, manifest, leaderboard, best + two record parts + model files
    expect(fs.readdirSync(target).sort()).toEqual(['best', 'best.json', 'leaderboard.json', 'manifest.json', 'spec.json', 'trials']);
    expect(fs.readdirSync(path.join(target, 'best')).sort()).toEqual(['model.json', 'weights.bin']);
    expect([...fs.readFileSync(path.join(target, 'best', 'weights.bin'))]).toEqual([1, 2, 3]);
    const copy = storeIn(target);
    expect(await copy.best()).toEqual(a.best);
    expect(await copy.leaderboard()).toEqual(a.board);
    expect((await copy.trials()).records).toHaveLength(a.records.length);
  });

  it('refuses to export a sweep with no objects, naming where it looked', async () => {
    await expect(storeIn(tmp).exportTo(path.join(tmp, 'out'))).rejects.toThrow(/sweep unit-sweep not found: nothing under/);
  });
});

describe('SweepStore reading bad objects', () => {
  it('reports invalid JSON in leaderboard.json as a SpecError naming the file', async () => {
    write(tmp, 'leaderboard.json', '{"schemaVersion": 1,');
    const read = storeIn(tmp).leaderboard();
    await expect(read).rejects.toThrow(SpecError);
    await expect(read).rejects.toThrow(`${path.join(tmp, 'leaderboard.json')}: invalid JSON`);
  });

  it('reports a leaderboard failing its schema as a SpecError naming the file and the field', async () => {
    const { configs: _configs, ...withoutConfigs } = artifacts().board;
    write(tmp, 'leaderboard.json', JSON.stringify(withoutConfigs));
    const read = storeIn(tmp).leaderboard();
    await expect(read).rejects.toThrow(SpecError);
    await expect(read).rejects.toThrow(`${path.join(tmp, 'leaderboard.json')} is not a regsweep leaderboard: configs:`);
  });

  it('reads back the model writeModel stored, undefined while a file of it is absent, and refuses a model.json that is not a layers model', async () => {
    const store = storeIn(tmp);
    const modelJson = { modelTopology: { class_name: 'Sequential' }, weightsManifest: [{ paths: ['weights.bin'], weights: [] }] };
    await store.writeModel(modelJson, new Uint8Array([1, 2, 3]));
    expect(await store.model()).toEqual({ modelJson, weights: new Uint8Array([1, 2, 3]) });
    fs.rmSync(path.join(tmp, 'best', 'weights.bin'));
    expect(await store.model()).toBeUndefined();
    await store.writeModel({ format: 'layers-model' }, new Uint8Array([1]));
    await expect(store.model()).rejects.toThrow(`${path.join(tmp, 'best', 'model.json')} is not a TensorFlow.js layers model`);
  });

  it('counts unreadable objects and invalid records inside parts as corrupt, and reads the valid records beside them', async () => {
    // Prepare: a part with a valid and an invalid record, a part cut short, a valid legacy record, a legacy one cut short
    const a = artifacts();
    const store = storeIn(tmp);
    const [r0, r1, r2, r3] = a.records;
    write(
      tmp,
      `trials/${a.batchKey}/00000000a-000001.n2.json`,
      JSON.stringify({ records: [r0, { schemaVersion: 1, trialId: r1.trialId, status: 'succeeded' }] }),
    );
    write(tmp, `trials/${a.batchKey}/00000000b-000002.n1.json`, '{"records": [{"schemaVersion": 1, "tri');
    write(tmp, `trials/${a.batchKey}/00000000c-000003.n1.json`, JSON.stringify([r1])); // valid JSON, not a part
    write(tmp, `trials/${r2.trialId}.json`, JSON.stringify(r2));
    write(tmp, `trials/${r3.trialId}.json`, JSON.stringify(r3).slice(0, 50));
    // Act
    const { records, corrupt } = await store.trials();
    // Assess: r0 and r2 read; the invalid record, the cut part, the array and the cut legacy object: 4 corrupt
    expect(records.sort((x, y) => x.trialId.localeCompare(y.trialId))).toEqual([r0, r2].sort((x, y) => x.trialId.localeCompare(y.trialId)));
    expect(corrupt).toBe(4);
    // a batch's resume reads its parts only; what it cannot read is simply redone
    expect(await store.batchRecords(a.batchKey)).toEqual(new Map([[r0.trialId, r0]]));
  });

  it('merges the records of a trial written more than once: a succeeded record beats a failed one, then the one that finished last wins', async () => {
    // Prepare: trial 0 failed in an early part and succeeded in a later one; trial 1 succeeded twice (the later
    // part holds the earlier finish); trial 2 failed twice (attempts 1, then 2); trial 3 has a legacy record and a newer one in a part
    const a = artifacts();
    const store = storeIn(tmp);
    const [i0, i1, i2, i3] = a.manifest;
    const at = (iso: string) => ({ finishedAt: iso });
    const failed0 = failedTrial(i0);
    const succeeded0 = succeededTrial(i0, 1, at('2025-01-01T00:00:00.500Z')); // finished before the failure: still wins
    const early1 = succeededTrial(i1, 2, at('2025-01-01T00:00:01.000Z'));
    const late1 = succeededTrial(i1, 3, at('2025-01-01T00:00:02.000Z'));
    const first2 = { ...failedTrial(i2), attempts: 1, ...at('2025-01-01T00:00:01.000Z') };
    const second2 = { ...failedTrial(i2), attempts: 2, ...at('2025-01-01T00:00:03.000Z') };
    const legacy3 = succeededTrial(i3, 4, at('2025-01-01T00:00:01.000Z'));
    const newer3 = succeededTrial(i3, 5, at('2025-01-01T00:00:04.000Z'));
    write(tmp, `trials/${a.batchKey}/00000000a-000001.n4.json`, JSON.stringify({ records: [failed0, late1, second2, newer3] }));
    write(tmp, `trials/${a.batchKey}/00000000b-000002.n3.json`, JSON.stringify({ records: [succeeded0, early1, first2] }));
    write(tmp, `trials/${i3.trialId}.json`, JSON.stringify(legacy3));
    // Act
    const { records, corrupt } = await store.trials();
    const resumed = await store.batchRecords(a.batchKey);
    // Assess: one record per trial
    expect(corrupt).toBe(0);
    expect(new Map(records.map((r) => [r.trialId, r]))).toEqual(
      new Map<string, TrialRecord>([
        [i0.trialId, succeeded0],
        [i1.trialId, late1],
        [i2.trialId, second2],
        [i3.trialId, newer3],
      ]),
    );
    expect(resumed.get(i0.trialId)).toEqual(succeeded0);
    expect(resumed.get(i2.trialId)).toEqual(second2); // its next attempt counts 3
    // only: the given trials' records
    expect((await store.trials(new Set([i1.trialId, i3.trialId]))).records.map((r) => r.trialId).sort()).toEqual([i1.trialId, i3.trialId].sort());
  });

  it('recordsWritten counts records from the listing alone: the count in the name of a part, one per legacy object, nothing else', async () => {
    const a = artifacts();
    write(tmp, `trials/${a.batchKey}/00000000a-000001.n3.json`, '{}'); // never read: the name says 3
    write(tmp, `trials/${a.batchKey}/00000000b-000002.n1.json`, '{}');
    for (const id of ['t-00000000000000ff', 't-0123456789abcdef']) write(tmp, `trials/${id}.json`, '{}');
    for (const name of [
      'notes.txt',
      't-xyz.json',
      'T-0123456789ABCDEF.json',
      't-0123456789abcdef.json.tmp',
      `${a.batchKey}/part.json`,
      'x+1/00000000a-000001.n1.json',
    ])
      write(tmp, `trials/${name}`, '{}');
    expect(await storeIn(tmp).recordsWritten()).toBe(3 + 1 + 2);
  });
});
