/** The resolved grid (search/default-grid.ts): the spec's values kept, defaults from lambda_max where it gives none. */
import {
  DEFAULT_DROPOUT,
  describeDefaults,
  EXACT_PATH_COUNT,
  exactPath,
  MLP_DIVISOR,
  resolveGrid,
  SGD_PATH_COUNT,
} from '../../../../shared/search/default-grid';
import { expandConfigs } from '../../../../shared/search/grid';
import { expandGrid } from '../../../../shared/search/strategy';
import { parseSpec, REG_TYPES, type SweepSpecInput } from '../../../../shared/search/spec';
import { exactLinearSolver } from '../../../../shared/training/linear';
import { regConfig, specInput } from '../../../support/artifacts';

const linear = (search: SweepSpecInput['search'], task: 'regression' | 'classification' = 'regression') =>
  parseSpec({ ...specInput(search), dataset: { source: 'd.csv', target: 'y', task }, model: { hidden: [] } });
const data = { lambdaMax: 100, rows: 50, features: 10 };
const pathOf = (grid: ReturnType<typeof resolveGrid>, type: string, l1Ratio?: number) =>
  grid.paths.find((p) => p.type === type && (l1Ratio === undefined || p.l1Ratio === l1Ratio))!.lambdas;
/** Consecutive log ratios of a path: all equal to log(bottom/top)/(count-1), up to the 4-digit rounding. */
const logSteps = (xs: number[]) => xs.slice(1).map((x, i) => Math.log(x / xs[i]));

describe('the default lambda grid', () => {
  it('log-spaces each exact linear path from its top down: l1 from lambda_max, elastic net from lambda_max / rho, l2 from lambda_max / eps, to eps', () => {
    const grid = resolveGrid(linear({ types: ['l1', 'l2', 'elasticnet'], l1Ratio: [0.5, 0.25] }), data);
    expect(grid.lambda).toEqual({ source: 'default', lambdaMax: 100, epsilon: 1e-3, rows: 50, features: 10 });
    const expected: [string, number | undefined, number, number][] = [
      ['l1', undefined, 100, 0.1],
      ['elasticnet', 0.5, 200, 0.2],
      ['elasticnet', 0.25, 400, 0.4],
      ['l2', undefined, 1e5, 0.1],
    ];
    for (const [type, rho, top, bottom] of expected) {
      const path = pathOf(grid, type, rho);
      expect(path).toHaveLength(EXACT_PATH_COUNT);
      expect(path[0]).toBe(top);
      expect(path[path.length - 1]).toBeCloseTo(bottom, 12);
      // Each value is rounded by at most 5e-4 relative, so a step is off by at most 1e-3.
      for (const step of logSteps(path)) expect(Math.abs(step - Math.log(bottom / top) / (EXACT_PATH_COUNT - 1))).toBeLessThan(1.01e-3);
    }
  });

  it('uses eps = 1e-2 when the rows are fewer than the features', () => {
    const grid = resolveGrid(linear({ types: ['l1'] }), { lambdaMax: 8, rows: 20, features: 40 });
    expect(grid.lambda?.epsilon).toBe(1e-2);
    expect(pathOf(grid, 'l1').at(-1)).toBeCloseTo(0.08, 12);
  });

  it('rounds to 4 significant digits, the top up (the path still starts at all zeros)', () => {
    const path = pathOf(resolveGrid(linear({ types: ['l1'] }), { ...data, lambdaMax: 433.47209 }), 'l1');
    expect(path[0]).toBe(433.5);
    expect(path[1]).toBe(Number(path[1].toPrecision(4)));
  });

  it('gives paths trained by SGD (an MLP, a linear classifier with dropout) fewer values than exact ones; an MLP starts at lambda_max / MLP_DIVISOR', () => {
    const mlp = resolveGrid(parseSpec(specInput({ types: ['l1', 'l2+dropout', 'elasticnet'], l1Ratio: 0.5 })), data);
    expect(mlp.paths.map((p) => p.lambdas.length)).toEqual([SGD_PATH_COUNT, SGD_PATH_COUNT, SGD_PATH_COUNT]);
    // lambda_max 100, eps 1e-3: l1 and l2 from 100 / 10 down to 0.1; elastic net (rho 0.5) from 200 / 10 down to 0.2
    expect(MLP_DIVISOR).toBe(10);
    expect(mlp.paths.map((p) => [p.type, p.lambdas[0], p.lambdas.at(-1)])).toEqual([
      ['l1', 10, 0.1],
      ['l2+dropout', 10, 0.1],
      ['elasticnet', 20, 0.2],
    ]);
    for (const p of mlp.paths) for (const step of logSteps(p.lambdas)) expect(Math.abs(step - Math.log(0.01) / (SGD_PATH_COUNT - 1))).toBeLessThan(1.01e-3);
    // a linear classifier with dropout is trained by SGD but has one layer: its path starts at lambda_max, as the lasso's
    const classifier = resolveGrid(linear({ types: ['l1', 'l1+dropout'] }, 'classification'), data);
    expect(classifier.paths.map((p) => p.lambdas.length)).toEqual([EXACT_PATH_COUNT, SGD_PATH_COUNT]);
    expect([pathOf(classifier, 'l1+dropout')[0], pathOf(classifier, 'l1+dropout').at(-1)]).toEqual([100, 0.1]);
  });

  it.each(['regression', 'classification'] as const)('calls a %s path exact exactly when the linear solvers solve it without SGD', (task) => {
    for (const type of REG_TYPES) {
      const reg = regConfig(type, type === 'none' || type === 'dropout' ? 0 : 1, type.endsWith('dropout') ? 0.2 : 0);
      expect(exactPath(linear({ types: [type] }, task), type)).toBe(exactLinearSolver(task, reg) !== undefined);
      expect(exactPath(parseSpec({ ...specInput({ types: [type] }), dataset: { source: 'd.csv', target: 'y', task } }), type)).toBe(false);
    }
  });

  it('keeps the spec’s lambda list or range, and says nothing about it', () => {
    const grid = resolveGrid(linear({ types: ['l1', 'l2'], lambda: { min: 0.1, max: 10, count: 3 } }), data);
    expect(grid.lambda).toEqual({ source: 'spec' });
    expect(grid.paths.map((p) => p.lambdas)).toEqual([
      [0.1, 1, 10],
      [0.1, 1, 10],
    ]);
    expect(describeDefaults(grid)).toEqual([]);
  });

  it('describes a default grid from lambda_max; before the data is read, only its size', () => {
    const spec = linear({ types: ['l1'] });
    expect(describeDefaults(resolveGrid(spec, data))[0]).toMatch(/^default λ grid from λ_max = 100 .*50 non-test rows.*ε = 0\.001.*l1 100 values 100 … 0\.1/);
    const unread = resolveGrid(spec);
    expect(unread.lambda).toEqual({ source: 'default' });
    expect(expandGrid(spec, unread)).toHaveLength((1 + EXACT_PATH_COUNT) * 5);
    expect(describeDefaults(unread)[0]).toMatch(/computed from the data when the sweep is planned/);
  });

  it('refuses a default grid when no feature correlates with the target (lambda_max = 0)', () => {
    expect(() => resolveGrid(linear({ types: ['l1'] }), { ...data, lambdaMax: 0 })).toThrow(/lambda_max = 0.*give search.lambda/);
  });
});

describe('the default dropout rates', () => {
  it('are 0.1, 0.2, 0.3, 0.5 for dropout types without search.dropout; a given list is kept', () => {
    const spec = parseSpec(specInput({ types: ['dropout', 'l2+dropout'], lambda: [1] }));
    const grid = resolveGrid(spec);
    expect(grid.dropout).toEqual({ source: 'default', rates: DEFAULT_DROPOUT });
    expect(DEFAULT_DROPOUT).toEqual([0.1, 0.2, 0.3, 0.5]);
    expect(
      expandConfigs(spec, grid)
        .filter((c) => c.type === 'dropout')
        .map((c) => c.dropoutRate),
    ).toEqual(DEFAULT_DROPOUT);
    expect(describeDefaults(grid)).toEqual(['default dropout rates 0.1, 0.2, 0.3, 0.5 (search.dropout not given)']);
    expect(resolveGrid(parseSpec(specInput({ types: ['dropout'], dropout: [0.4] }))).dropout).toEqual({ source: 'spec', rates: [0.4] });
  });

  it('a spec with only dataset, model and types is valid and runs every default', () => {
    const spec = parseSpec({
      dataset: { source: 'd.csv', target: 'y', task: 'regression' },
      model: { hidden: [8] },
      search: { types: ['l1', 'l2', 'dropout'] },
    });
    const configs = expandConfigs(spec, resolveGrid(spec, data));
    expect(configs).toHaveLength(1 + 2 * SGD_PATH_COUNT + DEFAULT_DROPOUT.length);
  });
});
