import { resolveGrid } from '../../../../shared/search/default-grid';
import { addsNone, configId, expandConfigs, trialId, type RegConfig } from '../../../../shared/search/grid';
import { expandGrid } from '../../../../shared/search/strategy';
import { lambdaValues, parseSpec } from '../../../../shared/search/spec';
import { specInput } from '../../../support/artifacts';

/** The grid written out by hand as a cartesian product, independent of expandGrid's loops. */
function cartesian(types: string[], lambdas: number[], rates: number[], l1Ratio: number, folds: number) {
  const out: string[] = [];
  const add = (type: string, lambda: number, p: number, r: number) => {
    for (let f = 0; f < folds; f++) out.push(`${type}/${lambda}/${p}/${r}/${f}`);
  };
  for (const t of types) {
    const pen = /l1|l2|elasticnet/.test(t);
    const drop = t.includes('dropout');
    const ratio = t.startsWith('l1') ? 1 : t.startsWith('elasticnet') ? l1Ratio : 0;
    if (!pen && !drop) add(t, 0, 0, 0);
    else if (pen && !drop) lambdas.forEach((l) => add(t, l, 0, ratio));
    else if (!pen && drop) rates.forEach((p) => add(t, 0, p, 0));
    else lambdas.forEach((l) => rates.forEach((p) => add(t, l, p, ratio)));
  }
  return out;
}

describe('expandGrid', () => {
  it('is the cartesian product: size and set equality', () => {
    const types = ['none', 'l1', 'l2', 'elasticnet', 'dropout', 'l2+dropout'];
    const spec = parseSpec(specInput({ types, lambda: [0.01, 0.1, 1, 10], dropout: [0.1, 0.3, 0.5], l1Ratio: 0.3 }, { validation: { folds: 3 } }));

    const items = expandGrid(spec, resolveGrid(spec));

    const expected = cartesian(types, [0.01, 0.1, 1, 10], [0.1, 0.3, 0.5], 0.3, 3);
    expect(items).toHaveLength((1 + 4 + 4 + 4 + 3 + 12) * 3);
    expect(new Set(items.map((i) => `${i.reg.type}/${i.reg.lambda}/${i.reg.dropoutRate}/${i.reg.l1Ratio}/${i.fold}`))).toEqual(new Set(expected));
  });

  it('lists none once, and expands several l1Ratio values for elastic net only', () => {
    const spec = parseSpec(specInput({ types: ['none', 'elasticnet', 'l1'], lambda: [1, 2], l1Ratio: [0.2, 0.8] }, { validation: { folds: 1 } }));
    const configs = expandConfigs(spec, resolveGrid(spec));
    expect(configs.filter((c) => c.type === 'none')).toHaveLength(1);
    expect(configs.filter((c) => c.type === 'elasticnet')).toHaveLength(4);
    expect(configs.filter((c) => c.type === 'l1').map((c) => c.l1Ratio)).toEqual([1, 1]);
  });

  it('log-spaces a lambda range from min to max', () => {
    const spec = parseSpec(specInput({ types: ['l2'], lambda: { min: 0.001, max: 10, count: 5 } }));
    expect(lambdaValues(spec)).toEqual([0.001, 0.01, 0.1, 1, 10]);
  });

  it('gives stable ids: a hash of (config, fold, seed), distinct per trial', () => {
    const spec = parseSpec(specInput({ types: ['l2', 'dropout'], lambda: [0.1, 1], dropout: [0.2] }));
    const a = expandGrid(spec, resolveGrid(spec));
    const again = parseSpec(specInput({ types: ['l2', 'dropout'], lambda: [0.1, 1], dropout: [0.2] }));
    const b = expandGrid(again, resolveGrid(again));
    expect(b.map((i) => i.trialId)).toEqual(a.map((i) => i.trialId));
    expect(new Set(a.map((i) => i.trialId)).size).toBe(a.length);
    for (const i of a) expect(i.trialId).toMatch(/^t-[0-9a-f]{16}$/);
    const r: RegConfig = { type: 'l2', lambda: 1, dropoutRate: 0, l1Ratio: 0 };
    expect(trialId(r, 0, 42)).not.toBe(trialId(r, 0, 43));
    expect(trialId(r, 0, 42)).not.toBe(trialId(r, 1, 42));
    expect(configId(r)).toBe(configId({ ...r }));
    expect(configId(r)).toMatch(/^l2-[0-9a-f]{10}$/);
  });

  it('refuses a grid over limits.maxTrials, with its size (none, added as the baseline, counted)', () => {
    const spec = parseSpec(specInput({ types: ['l2'], lambda: { min: 0.001, max: 10, count: 30 } }, { limits: { maxTrials: 100 } }));
    expect(() => expandGrid(spec, resolveGrid(spec))).toThrow(/31 configs x 5 folds = 155 trials, over limits.maxTrials = 100/);
  });

  it('always runs none: added first when the spec omits it, on the same folds and seeds as every config (paired)', () => {
    // Prepare
    const spec = parseSpec(specInput({ types: ['l2', 'dropout'], lambda: [1, 10], dropout: [0.2] }, { validation: { folds: 3, seed: 7 } }));
    // Act
    const items = expandGrid(spec, resolveGrid(spec));
    // Assess
    expect(addsNone(spec)).toBe(true);
    expect(expandConfigs(spec, resolveGrid(spec))).toEqual([
      { type: 'none', lambda: 0, dropoutRate: 0, l1Ratio: 0 },
      { type: 'l2', lambda: 1, dropoutRate: 0, l1Ratio: 0 },
      { type: 'l2', lambda: 10, dropoutRate: 0, l1Ratio: 0 },
      { type: 'dropout', lambda: 0, dropoutRate: 0.2, l1Ratio: 0 },
    ]);
    const foldSeeds = (type: string) => items.filter((i) => i.reg.type === type).map((i) => [i.fold, i.seed]);
    expect(foldSeeds('none')).toEqual([
      [0, 7],
      [1, 8],
      [2, 9],
    ]);
    expect(foldSeeds('dropout')).toEqual(foldSeeds('none'));
  });

  it('does not add none twice when the spec lists it, wherever it is listed', () => {
    const spec = parseSpec(specInput({ types: ['l2', 'none'], lambda: [1] }));
    expect(addsNone(spec)).toBe(false);
    expect(expandConfigs(spec, resolveGrid(spec)).map((c) => c.type)).toEqual(['l2', 'none']);
  });
});
