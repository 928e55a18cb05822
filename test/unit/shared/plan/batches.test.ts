/** The manifest's batch order and the batch size (shared/plan/batches.ts). */
import { type TrialItem } from '../../../../shared/search/grid';
import { expandGrid } from '../../../../shared/search/strategy';
import { resolveGrid } from '../../../../shared/search/default-grid';
import { parseSpec } from '../../../../shared/search/spec';
import { batchCount, orderForBatches, trialBatchSize } from '../../../../shared/plan/batches';

const specOf = (extra: Record<string, unknown> = {}, search: Record<string, unknown> = {}) =>
  parseSpec({
    sweepId: 'unit',
    dataset: { source: 's3://b/datasets/d.csv', target: 'y', task: 'regression' },
    model: { hidden: [] },
    validation: { folds: 3 },
    search: {
      types: ['none', 'l1', 'elasticnet', 'l2+dropout', 'dropout'],
      lambda: [0.1, 1, 10, 100, 1000],
      dropout: [0.1, 0.3],
      l1Ratio: [0.2, 0.8],
      ...search,
    },
    ...extra,
  });

const pathKey = (i: TrialItem) => `${i.fold}|${i.reg.type}|${i.reg.dropoutRate}|${i.reg.l1Ratio}`;
const onPath = (i: TrialItem) => i.reg.type !== 'none' && i.reg.type !== 'dropout';

describe('orderForBatches', () => {
  const spec = specOf();
  const items = expandGrid(spec, resolveGrid(spec));
  const ordered = orderForBatches(items);

  it('holds the same trials as the grid (set equality, no duplicates)', () => {
    expect(ordered).toHaveLength(items.length);
    expect(new Set(ordered.map((i) => i.trialId))).toEqual(new Set(items.map((i) => i.trialId)));
  });

  it('puts every lambda path in one run, from the largest lambda down, fold by fold, then the trials on no path', () => {
    const paths = ordered.filter(onPath);
    expect(ordered.slice(0, paths.length)).toEqual(paths); // paths first
    for (let start = 0; start < paths.length; start += 5) {
      const run = paths.slice(start, start + 5);
      expect(new Set(run.map(pathKey)).size).toBe(1);
      expect(run.map((i) => i.reg.lambda)).toEqual([1000, 100, 10, 1, 0.1]);
    }
    const folds = paths.map((i) => i.fold);
    expect(folds).toEqual([...folds].sort((a, b) => a - b));
  });

  it.each([5, 10, 15, 50])('with a batch size of whole paths (%i) no batch of the linear sweep mixes paths', (size) => {
    for (let start = 0; start < ordered.length; start += size) {
      const batch = ordered.slice(start, start + size).filter(onPath);
      const keys = batch.map(pathKey);
      // each path that appears in the batch appears whole (5 lambdas)
      for (const key of new Set(keys)) expect(keys.filter((k) => k === key)).toHaveLength(5);
    }
  });
});

describe('trialBatchSize', () => {
  const defaults = { exactBatchSize: 100, sgdBatchSize: 1 };

  it('rounds an exact linear sweep down to whole lambda paths', () => {
    const spec = specOf();
    expect(trialBatchSize(spec, expandGrid(spec, resolveGrid(spec)), defaults)).toBe(100);
    expect(trialBatchSize(spec, expandGrid(spec, resolveGrid(spec)), { ...defaults, exactBatchSize: 12 })).toBe(10);
    expect(trialBatchSize(spec, expandGrid(spec, resolveGrid(spec)), { ...defaults, exactBatchSize: 3 })).toBe(5); // at least one path
    const l7 = specOf({}, { lambda: [1, 2, 3, 4, 5, 6, 7] });
    expect(trialBatchSize(l7, expandGrid(l7, resolveGrid(l7)), defaults)).toBe(98);
  });

  it("takes the spec's limits.batchSize over the deployment's, still in whole paths for an exact sweep", () => {
    const spec = specOf({ limits: { batchSize: 23 } });
    expect(trialBatchSize(spec, expandGrid(spec, resolveGrid(spec)), defaults)).toBe(20);
  });

  it('gives SGD sweeps (an MLP, a linear classifier with dropout) the SGD size, or the spec limit as is', () => {
    const mlp = specOf({ model: { hidden: [8] } });
    expect(trialBatchSize(mlp, expandGrid(mlp, resolveGrid(mlp)), defaults)).toBe(1);
    const mlp7 = specOf({ model: { hidden: [8] }, limits: { batchSize: 7 } });
    expect(trialBatchSize(mlp7, expandGrid(mlp7, resolveGrid(mlp7)), defaults)).toBe(7);
    const clf = parseSpec({ ...specOf(), dataset: { source: 's3://b/datasets/d.csv', target: 'y', task: 'classification' } });
    expect(trialBatchSize(clf, expandGrid(clf, resolveGrid(clf)), defaults)).toBe(1); // l2+dropout on a classifier trains by SGD
  });

  it('counts batches', () => {
    expect([batchCount(26, 100), batchCount(100, 100), batchCount(101, 100)]).toEqual([1, 1, 2]);
  });
});
