/**
 * The registry (shared/regularizers/registry.ts): every type resolves to a penalty and a dropout flag, user
 * spellings normalize as they always did, and labels and configs read as before.
 */
import {
  BASE_TYPES,
  hasDropout,
  hasPenalty,
  labelOf,
  makeConfig,
  normalizeRegType,
  REG_TYPES,
  regularizerOf,
  type RegType,
} from '../../../../shared/regularizers';
import { parseSpec } from '../../../../shared/search/spec';

describe('the registry', () => {
  it('lists the eight types in their order, and the base types', () => {
    expect(REG_TYPES).toEqual(['none', 'l1', 'l2', 'elasticnet', 'dropout', 'l1+dropout', 'l2+dropout', 'elasticnet+dropout']);
    expect(BASE_TYPES).toEqual(['none', 'l1', 'l2', 'elasticnet', 'dropout']);
  });

  it.each<[RegType, string, boolean, number]>([
    ['none', 'none', false, 0],
    ['l1', 'l1', false, 1],
    ['l2', 'l2', false, 2],
    ['elasticnet', 'elasticnet', false, 3],
    ['dropout', 'none', true, 4],
    ['l1+dropout', 'l1', true, 5],
    ['l2+dropout', 'l2', true, 6],
    ['elasticnet+dropout', 'elasticnet', true, 7],
  ])('%s resolves to the penalty %s, dropout %p, at position %i', (type, penalty, withDropout, order) => {
    const r = regularizerOf(type);
    expect([r.type, r.penalty.name, r.dropout, r.order]).toEqual([type, penalty, withDropout, order]);
    expect(hasPenalty(type)).toBe(penalty !== 'none');
    expect(hasDropout(type)).toBe(withDropout);
  });

  it('refuses a type it does not know (a programming error, not user input)', () => {
    expect(() => regularizerOf('lasso' as RegType)).toThrow(/internal: unknown regularization type "lasso"/);
  });

  it.each<[string, RegType | undefined]>([
    ['l2', 'l2'],
    ['L2', 'l2'],
    ['L2 + Dropout', 'l2+dropout'],
    ['dropout+l2', 'l2+dropout'],
    ['Dropout', 'dropout'],
    [' l1 ', 'l1'],
    ['elastic', 'elasticnet'],
    ['enet', 'elasticnet'],
    ['Elastic-Net', 'elasticnet'],
    ['elastic_net+dropout', 'elasticnet+dropout'],
    ['dropout + ENET', 'elasticnet+dropout'],
    ['None', 'none'],
    ['none+dropout', undefined],
    ['l1+l2', undefined],
    ['dropout+dropout', undefined],
    ['lasso', undefined],
    ['', undefined],
  ])('normalizes %p to %p', (spelling, type) => {
    expect(normalizeRegType(spelling)).toBe(type);
  });

  it('a spec with an unknown type names the field and lists the types, as before', () => {
    expect(() => parseSpec({ dataset: { source: 'd.csv', target: 'y', task: 'regression' }, search: { types: ['l2', 'ridge'] } })).toThrow(
      'invalid spec: search.types[1]: unknown regularization "ridge"; use one of none, l1, l2, elasticnet, dropout, l1+dropout, l2+dropout, elasticnet+dropout',
    );
  });

  it.each<[RegType, string]>([
    ['none', 'none'],
    ['l1', 'l1 λ=0.5'],
    ['l2', 'l2 λ=0.5'],
    ['elasticnet', 'elasticnet λ=0.5 l1Ratio=0.3'],
    ['dropout', 'dropout p=0.2'],
    ['l2+dropout', 'l2+dropout λ=0.5 p=0.2'],
    ['elasticnet+dropout', 'elasticnet+dropout λ=0.5 l1Ratio=0.3 p=0.2'],
  ])('makeConfig fills only what applies to %s, and labels it %p', (type, label) => {
    const c = makeConfig(type, { lambda: 0.5, dropoutRate: 0.2, l1Ratio: 0.3 });
    const r = regularizerOf(type);
    expect(c).toEqual({
      type,
      lambda: r.penalty.penalized ? 0.5 : 0,
      dropoutRate: r.dropout ? 0.2 : 0,
      l1Ratio: type.startsWith('l1') ? 1 : type.startsWith('elasticnet') ? 0.3 : 0,
    });
    expect(labelOf(c)).toBe(label);
  });
});
