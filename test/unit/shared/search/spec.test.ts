import { SpecError, UserInputError } from '../../../../shared/errors';
import { hasDropout, hasPenalty, lambdaValues, normalizeRegType, parseSpec, parseSpecText, REG_TYPES, type RegType } from '../../../../shared/search/spec';
import { specInput } from '../../../support/artifacts';

describe('parseSpec', () => {
  it('fills defaults and normalizes type names', () => {
    const spec = parseSpec(specInput({ types: ['L2', 'dropout+L2', 'Elastic-Net'], lambda: [1], dropout: [0.5] }));
    expect(spec.search.types).toEqual(['l2', 'l2+dropout', 'elasticnet']);
    expect(spec.model.hidden).toEqual([64, 64]);
    expect(spec.validation).toEqual({ folds: 5, holdout: 0.2, testFraction: 0.2, seed: 42 });
    expect(spec.selection.rule).toBe('min');
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', [1], /spec must be a JSON object/],
    ['missing dataset', { search: { types: ['none'] } }, /dataset: is required/],
    [
      'unknown task',
      { dataset: { source: 'a.csv', target: 'y', task: 'ranking' }, search: { types: ['none'] } },
      /dataset.task: must be regression or classification, got "ranking"/,
    ],
    ['unknown regularization', specInput({ types: ['l3'] }), /search.types\[0\]: unknown regularization "l3"/],
    ['negative lambda', specInput({ types: ['l2'], lambda: [0.1, -1] }), /search.lambda\[1\]: must be >= 0, got -1/],
    ['dropout of 1', specInput({ types: ['dropout'], dropout: [1] }), /search.dropout\[0\]: must be in \[0, 1\), got 1/],
    ['empty types', specInput({ types: [] }), /search.types: must list at least one regularization type/],
    ['Infinity', specInput({ types: ['l2'], lambda: [Infinity] }), /search.lambda\[0\]: must be a (finite )?number, got Infinity/],
    ['string epochs', { ...specInput({ types: ['none'] }), training: { epochs: '10' } }, /training.epochs: must be an integer, got "10"/],
    ['unknown field', { ...specInput({ types: ['none'] }), extra: 1 }, /unknown field\(s\) "extra"/],
    ['unsafe sweepId', { ...specInput({ types: ['none'] }), sweepId: '../x' }, /sweepId: must be a slug/],
    ['range max < min', specInput({ types: ['l2'], lambda: { min: 1, max: 0.1, count: 3 } }), /search.lambda.max: max must be >= min/],
    ['type listed twice', specInput({ types: ['l2', 'L2'], lambda: [1] }), /lists a type twice/],
    [
      'target among features',
      { ...specInput({ types: ['none'] }), dataset: { source: 'a.csv', target: 'y', task: 'regression', features: ['x', 'y'] } },
      /dataset.features: must not include the target "y"/,
    ],
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

describe('parseSpec defaults', () => {
  it('leaves search.lambda and search.dropout to the default grid when a type needs them (search/default-grid.ts)', () => {
    const spec = parseSpec(specInput({ types: ['l1', 'l2+dropout'] }));
    expect(spec.search.lambda).toBeUndefined();
    expect(spec.search.dropout).toBeUndefined();
  });

  it('fills every documented default when only dataset and search are given', () => {
    // Act
    const spec = parseSpec(specInput({ types: ['none'] }));
    // Assess
    expect(spec.model).toEqual({ hidden: [64, 64], activation: 'relu' });
    expect(spec.training).toEqual({ epochs: 200, batchSize: 32, learningRate: 0.001, optimizer: 'adam', patience: 20 });
    expect(spec.validation).toEqual({ folds: 5, holdout: 0.2, testFraction: 0.2, seed: 42 });
    expect(spec.selection).toEqual({ rule: 'min' });
    expect(spec.limits).toEqual({ maxTrials: 5000, maxDatasetBytes: 100 * 1024 * 1024 });
    expect(spec.search.l1Ratio).toBe(0.5);
    expect(spec.sweepId).toBeUndefined();
  });

  it('keeps given values and fills the rest of a partly given section', () => {
    const spec = parseSpec(specInput({ types: ['none'] }, { training: { epochs: 10, optimizer: 'sgd' }, model: { hidden: [] } }));
    expect(spec.training).toEqual({ epochs: 10, batchSize: 32, learningRate: 0.001, optimizer: 'sgd', patience: 20 });
    expect(spec.model).toEqual({ hidden: [], activation: 'relu' });
  });
});

describe('parseSpec errors name the field path', () => {
  it.each<[string, unknown, RegExp]>([
    ['a hidden layer width', specInput({ types: ['none'] }, { model: { hidden: [8, 0] } }), /^invalid spec: model\.hidden\[1\]: must be >= 1, got 0/],
    ['a lambda range count', specInput({ types: ['l2'], lambda: { min: 0.1, max: 1, count: 0 } }), /search\.lambda\.count: must be >= 1, got 0/],
    [
      'a log range starting at 0',
      specInput({ types: ['l2'], lambda: { min: 0, max: 1, count: 3 } }),
      /search\.lambda\.min: must be > 0 for a log range, got 0/,
    ],
    ['the folds', specInput({ types: ['none'] }, { validation: { folds: 1.5 } }), /validation\.folds: must be an integer, got 1\.5/],
    [
      'the selection rule',
      specInput({ types: ['none'] }, { selection: { rule: 'max' as never } }),
      /selection\.rule: must be min or one-standard-error, got "max"/,
    ],
    ['an l1Ratio of 1', specInput({ types: ['elasticnet'], lambda: [1], l1Ratio: 1 }), /search\.l1Ratio: must be in \(0, 1\), got 1/],
  ])('%s', (_name, input, message) => {
    expect(() => parseSpec(input)).toThrow(message);
  });

  it('throws a SpecError, a UserInputError', () => {
    expect(() => parseSpec({})).toThrow(SpecError);
    expect(() => parseSpec({})).toThrow(UserInputError);
  });

  it('parseSpecText names the file for invalid JSON and for an invalid field', () => {
    expect(() => parseSpecText('{"dataset":', 'specs/a.json')).toThrow(/^specs\/a\.json: not valid JSON/);
    expect(() => parseSpecText(JSON.stringify(specInput({ types: ['l4'] })), 'specs/b.json')).toThrow(
      /^specs\/b\.json: invalid spec: search\.types\[0\]: unknown regularization "l4"/,
    );
  });
});

describe('normalizeRegType', () => {
  it.each<[string, RegType]>([
    ['none', 'none'],
    ['L1', 'l1'],
    ['l2', 'l2'],
    ['Elastic-Net', 'elasticnet'],
    ['elastic_net', 'elasticnet'],
    ['enet', 'elasticnet'],
    ['elastic', 'elasticnet'],
    ['Dropout', 'dropout'],
    ['L2 + Dropout', 'l2+dropout'],
    ['dropout+l2', 'l2+dropout'],
    ['dropout + L1', 'l1+dropout'],
    ['ENet+Dropout', 'elasticnet+dropout'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeRegType(input)).toBe(expected);
  });

  it.each(['l3', '', 'l1+l2', 'dropout+dropout', 'none+dropout', 'l2+dropout+dropout', 'ridge'])('%j is unknown', (input) => {
    expect(normalizeRegType(input)).toBeUndefined();
  });
});

describe('lambdaValues', () => {
  const spec = (lambda: unknown) => parseSpec(specInput({ types: ['l2'], lambda: lambda as never }));

  it('returns a list as given, without repeats, in order', () => {
    expect(lambdaValues(spec([1, 0.1, 0, 1, 10]))).toEqual([1, 0.1, 0, 10]);
  });

  it('log-spaces a range: exact endpoints and a constant ratio between neighbours', () => {
    // Prepare: 0.003 .. 7 in 4 values; the ratio between neighbours is (7 / 0.003)^(1/3)
    const ratio = Math.cbrt(7 / 0.003);
    // Act
    const values = lambdaValues(spec({ min: 0.003, max: 7, count: 4 }));
    // Assess
    expect(values).toHaveLength(4);
    expect(values[0]).toBe(0.003);
    expect(values[3]).toBe(7);
    expect(values[1]).toBeCloseTo(0.003 * ratio, 10);
    expect(values[2]).toBeCloseTo(0.003 * ratio * ratio, 10);
  });

  it('gives the minimum alone for a range of one value, and nothing for a spec without lambda', () => {
    expect(lambdaValues(spec({ min: 0.5, max: 100, count: 1 }))).toEqual([0.5]);
    expect(lambdaValues(parseSpec(specInput({ types: ['none', 'dropout'], dropout: [0.1] })))).toEqual([]);
  });
});

describe('hasPenalty and hasDropout', () => {
  it.each<[RegType, boolean, boolean]>([
    ['none', false, false],
    ['l1', true, false],
    ['l2', true, false],
    ['elasticnet', true, false],
    ['dropout', false, true],
    ['l1+dropout', true, true],
    ['l2+dropout', true, true],
    ['elasticnet+dropout', true, true],
  ])('%s: penalty %s, dropout %s', (type, penalty, dropout) => {
    expect(hasPenalty(type)).toBe(penalty);
    expect(hasDropout(type)).toBe(dropout);
  });

  it('the table above covers every type', () => {
    expect([...REG_TYPES].sort()).toEqual(['dropout', 'elasticnet', 'elasticnet+dropout', 'l1', 'l1+dropout', 'l2', 'l2+dropout', 'none']);
  });
});
