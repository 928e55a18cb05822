/**
 * A trial whose loss is not a finite number is a failed trial with that cause (NonFiniteLossError), never a
 * "succeeded" record whose losses are null.
 */
import { expect } from '@jest/globals';
import { parseDataset } from '../../../../shared/data/parse';
import { parseSpec } from '../../../../shared/search/spec';
import { fitRecord } from '../../../../shared/training/fit';
import { regConfig } from '../../../support/artifacts';
import { ready } from '../../../support/tf';

beforeAll(ready);

it('a validation row standardized past float32 gives an infinite validation loss: the fit throws NonFiniteLossError naming it', () => {
  // Prepare: 10 training rows with a in 0..9, and a validation row with a = 1e140 (in range for float64, not for float32)
  const text = ['a,y', ...Array.from({ length: 10 }, (_, i) => `${i},${2 * i + 1}`), '1e140,3'].join('\n');
  const ds = parseDataset(text, { name: 't.csv', target: 'y', task: 'regression' });
  const spec = parseSpec({ dataset: { source: 't.csv', target: 'y', task: 'regression' }, model: { hidden: [] }, search: { types: ['l2'], lambda: [1] } });
  const input = {
    dataset: ds,
    settings: spec,
    reg: regConfig('l2', 1),
    trainRows: Array.from({ length: 10 }, (_, i) => i),
    validationRows: [10],
    fold: 0,
    seed: 1,
    backend: 'test',
  };
  // Act / Assess
  expect(() => fitRecord(input)).toThrow(
    expect.objectContaining({
      name: 'NonFiniteLossError',
      message: expect.stringMatching(/^the validation loss is (Infinity|NaN) after 1 epoch: the fit diverged or overflowed/),
    }),
  );
  // the same rows validated on a row in range: a succeeded record with finite losses
  const ok = fitRecord({ ...input, validationRows: [9] }).record;
  expect(Number.isFinite(ok.validation?.loss)).toBe(true);
});
