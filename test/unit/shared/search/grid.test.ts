import { configId, expandConfigs, expandGrid, trialId, type RegConfig } from '../../../../shared/search/grid';
import { lambdaValues, parseSpec, type SweepSpecInput } from '../../../../shared/search/spec';

const base = (search: SweepSpecInput['search'], extra: Partial<SweepSpecInput> = {}): SweepSpecInput => ({
  dataset: { source: 'examples/data/diabetes.csv', target: 'progression', task: 'regression' },
  search,
  ...extra,
});

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
    const spec = parseSpec(base({ types, lambda: [0.01, 0.1, 1, 10], dropout: [0.1, 0.3, 0.5], l1Ratio: 0.3 }, { validation: { folds: 3 } }));

    const items = expandGrid(spec);

    const expected = cartesian(types, [0.01, 0.1, 1, 10], [0.1, 0.3, 0.5], 0.3, 3);
    expect(items).toHaveLength((1 + 4 + 4 + 4 + 3 + 12) * 3);
    expect(new Set(items.map((i) => `${i.reg.type}/${i.reg.lambda}/${i.reg.dropoutRate}/${i.reg.l1Ratio}/${i.fold}`))).toEqual(new Set(expected));
  });

  it('lists none once, and expands several l1Ratio values for elastic net only', () => {
    const spec = parseSpec(base({ types: ['none', 'elasticnet', 'l1'], lambda: [1, 2], l1Ratio: [0.2, 0.8] }, { validation: { folds: 1 } }));
    const configs = expandConfigs(spec);
    expect(configs.filter((c) => c.type === 'none')).toHaveLength(1);
    expect(configs.filter((c) => c.type === 'elasticnet')).toHaveLength(4);
    expect(configs.filter((c) => c.type === 'l1').map((c) => c.l1Ratio)).toEqual([1, 1]);
  });

  it('log-spaces a lambda range from min to max', () => {
    const spec = parseSpec(base({ types: ['l2'], lambda: { min: 0.001, max: 10, count: 5 } }));
    expect(lambdaValues(spec)).toEqual([0.001, 0.01, 0.1, 1, 10]);
  });

  it('gives stable ids: a hash of (config, fold, seed), distinct per trial', () => {
    const spec = parseSpec(base({ types: ['l2', 'dropout'], lambda: [0.1, 1], dropout: [0.2] }));
    const a = expandGrid(spec);
    const b = expandGrid(parseSpec(base({ types: ['l2', 'dropout'], lambda: [0.1, 1], dropout: [0.2] })));
    expect(b.map((i) => i.trialId)).toEqual(a.map((i) => i.trialId));
    expect(new Set(a.map((i) => i.trialId)).size).toBe(a.length);
    for (const i of a) expect(i.trialId).toMatch(/^t-[0-9a-f]{16}$/);
    const r: RegConfig = { type: 'l2', lambda: 1, dropoutRate: 0, l1Ratio: 0 };
    expect(trialId(r, 0, 42)).not.toBe(trialId(r, 0, 43));
    expect(trialId(r, 0, 42)).not.toBe(trialId(r, 1, 42));
    expect(configId(r)).toBe(configId({ ...r }));
    expect(configId(r)).toMatch(/^l2-[0-9a-f]{10}$/);
  });

  it('refuses a grid over limits.maxTrials, with its size', () => {
    const spec = parseSpec(base({ types: ['l2'], lambda: { min: 0.001, max: 10, count: 30 } }, { limits: { maxTrials: 100 } }));
    expect(() => expandGrid(spec)).toThrow(/30 configs x 5 folds = 150 trials, over limits.maxTrials = 100/);
  });
});

describe('parseSpec', () => {
  it('fills defaults and normalizes type names', () => {
    const spec = parseSpec(base({ types: ['L2', 'dropout+L2', 'Elastic-Net'], lambda: [1], dropout: [0.5] }));
    expect(spec.search.types).toEqual(['l2', 'l2+dropout', 'elasticnet']);
    expect(spec.model.hidden).toEqual([64, 64]);
    expect(spec.validation).toEqual({ folds: 5, holdout: 0.2, testFraction: 0.2, seed: 42 });
    expect(spec.selection.rule).toBe('min');
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', [1], /spec must be a JSON object/],
    ['missing dataset', { search: { types: ['none'] } }, /dataset: is required/],
    ['unknown task', { dataset: { source: 'a.csv', target: 'y', task: 'ranking' }, search: { types: ['none'] } }, /dataset.task: must be regression or classification, got "ranking"/],
    ['unknown regularization', base({ types: ['l3'] }), /search.types\[0\]: unknown regularization "l3"/],
    ['negative lambda', base({ types: ['l2'], lambda: [0.1, -1] }), /search.lambda\[1\]: must be >= 0, got -1/],
    ['dropout of 1', base({ types: ['dropout'], dropout: [1] }), /search.dropout\[0\]: must be in \[0, 1\), got 1/],
    ['lambda missing', base({ types: ['l1'] }), /search.lambda: is required for l1/],
    ['dropout missing', base({ types: ['l2+dropout'], lambda: [1] }), /search.dropout: is required for l2\+dropout/],
    ['empty types', base({ types: [] }), /search.types: must list at least one regularization type/],
    ['Infinity', base({ types: ['l2'], lambda: [Infinity] }), /search.lambda\[0\]: must be a (finite )?number, got Infinity/],
    ['string epochs', { ...base({ types: ['none'] }), training: { epochs: '10' } }, /training.epochs: must be an integer, got "10"/],
    ['unknown field', { ...base({ types: ['none'] }), extra: 1 }, /unknown field\(s\) "extra"/],
    ['unsafe sweepId', { ...base({ types: ['none'] }), sweepId: '../x' }, /sweepId: must be a slug/],
    ['range max < min', base({ types: ['l2'], lambda: { min: 1, max: 0.1, count: 3 } }), /search.lambda.max: max must be >= min/],
    ['type listed twice', base({ types: ['l2', 'L2'], lambda: [1] }), /lists a type twice/],
    ['target among features', { ...base({ types: ['none'] }), dataset: { source: 'a.csv', target: 'y', task: 'regression', features: ['x', 'y'] } }, /dataset.features: must not include the target "y"/],
  ])('rejects %s with a message naming the field', (_name, input, message) => {
    expect(() => parseSpec(input)).toThrow(message);
    try {
      parseSpec(input);
    } catch (e) {
      expect((e as Error).name).toBe('SpecError');
      expect((e as Error).message).not.toContain('\n');
    }
  });
});
