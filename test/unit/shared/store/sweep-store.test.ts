import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpecError } from '../../../../shared/errors';
import { parseSpec } from '../../../../shared/search/spec';
import { DirectoryBlobs, SweepStore } from '../../../../shared/store/sweep-store';
import { buildLeaderboard } from '../../../../shared/study/leaderboard';
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
  return { spec, manifest: items.map((i) => ({ ...i })), records, board, best: bestRecord(board) };
}

async function writeAll(store: SweepStore, a: ReturnType<typeof artifacts>) {
  await store.writeSpec(a.spec);
  await store.writeManifest(a.manifest);
  for (const r of a.records) await store.writeTrial(r);
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
    expect(await store.trial(a.records[3].trialId)).toEqual(a.records[3]);
    const { records, corrupt } = await store.trials();
    expect(corrupt).toBe(0);
    expect(records.sort((x, y) => x.trialId.localeCompare(y.trialId))).toEqual([...a.records].sort((x, y) => x.trialId.localeCompare(y.trialId)));
    expect(await store.leaderboard()).toEqual(a.board);
    expect(await store.best()).toEqual(a.best);
  });

  it('keeps the documented directory layout: best.json beside leaderboard.json, trials under trials/', async () => {
    const a = artifacts();
    await writeAll(storeIn(tmp), a);
    expect(fs.readdirSync(tmp).sort()).toEqual(['best.json', 'leaderboard.json', 'manifest.json', 'spec.json', 'trials']);
    expect(fs.readdirSync(path.join(tmp, 'trials')).sort()).toEqual(a.records.map((r) => `${r.trialId}.json`).sort());
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
    expect(written).toBe(4 + a.records.length + 2); // spec, manifest, leaderboard, best + trials + model files
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

  it('reads a partial or unparsable trial record as undefined and counts it as corrupt', async () => {
    // Prepare: one valid record, one cut short after its first fields, one not JSON at all
    const a = artifacts();
    const store = storeIn(tmp);
    await store.writeTrial(a.records[0]);
    const partial = a.records[1].trialId;
    const garbled = a.records[2].trialId;
    write(tmp, `trials/${partial}.json`, JSON.stringify({ schemaVersion: 1, trialId: partial, status: 'succeeded' }));
    write(tmp, `trials/${garbled}.json`, '{"schemaVersion": 1, "tri');
    // Act
    const { records, corrupt } = await store.trials();
    // Assess
    expect(await store.trial(partial)).toBeUndefined();
    expect(await store.trial(garbled)).toBeUndefined();
    expect(records).toEqual([a.records[0]]);
    expect(corrupt).toBe(2);
  });

  it('trialIds lists only files named as trial ids, sorted', async () => {
    const valid = ['t-00000000000000ff', 't-0123456789abcdef'];
    for (const id of [...valid].reverse()) write(tmp, `trials/${id}.json`, '{}');
    for (const name of ['notes.txt', 't-xyz.json', 'T-0123456789ABCDEF.json', 't-0123456789abcdef0.json', 't-0123456789abcdef.json.tmp'])
      write(tmp, `trials/${name}`, '{}');
    expect(await storeIn(tmp).trialIds()).toEqual(valid);
  });
});
