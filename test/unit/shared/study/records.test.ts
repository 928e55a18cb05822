import { asTrialRecord } from '../../../../shared/study/records';
import { failedTrial, plannedTrials, regConfig, succeededTrial } from '../../../support/artifacts';

const [item] = plannedTrials(regConfig('l2', 1), 1);
/** A record as it comes back from storage: through JSON. */
const stored = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('asTrialRecord', () => {
  it('accepts a complete succeeded record and a complete failed record', () => {
    const ok = succeededTrial(item, 0.5);
    const failed = failedTrial(item, { name: 'DatasetError', message: 'row 3: not a number' });
    expect(asTrialRecord(stored(ok))).toEqual(ok);
    expect(asTrialRecord(stored(failed))).toEqual(failed);
  });

  it.each<[string, (r: Record<string, unknown>) => unknown]>([
    ['without validation metrics', ({ validation: _v, ...r }) => r],
    ['without features', ({ features: _f, ...r }) => r],
    ['without a trialId', ({ trialId: _t, ...r }) => r],
    ['with an unknown status', (r) => ({ ...r, status: 'running' })],
    ['with status failed but no error', (r) => ({ ...r, status: 'failed' })],
    ['with a fold that is not an integer', (r) => ({ ...r, fold: 0.5 })],
    ['with another schema version', (r) => ({ ...r, schemaVersion: 2 })],
    ['that is only its first fields (a partial write)', (r) => ({ schemaVersion: 1, trialId: r.trialId, status: 'succeeded' })],
  ])('rejects a succeeded record %s', (_name, change) => {
    const record = stored(succeededTrial(item, 0.5)) as Record<string, unknown>;
    expect(asTrialRecord(change(record))).toBeUndefined();
  });

  it('rejects a failed record without its error, and values that are not objects', () => {
    const { error: _e, ...noError } = stored(failedTrial(item)) as Record<string, unknown>;
    expect(asTrialRecord(noError)).toBeUndefined();
    for (const v of [undefined, null, 'record', 42, []]) expect(asTrialRecord(v)).toBeUndefined();
  });

  it('keeps metrics that JSON stored as null (NaN, a diverged loss) as null', () => {
    // Prepare: a diverged trial, its losses NaN in memory
    const diverged = succeededTrial(item, NaN, { gap: NaN, objective: NaN, curves: { trainLoss: [1, NaN], valLoss: [1, NaN] } });
    // Act
    const read = asTrialRecord(stored(diverged));
    // Assess
    expect(read?.status).toBe('succeeded');
    if (read?.status !== 'succeeded') return;
    expect(read.validation).toEqual({ loss: null, r2: 0.5 });
    expect(read.train.loss).toBeNull();
    expect(read.gap).toBeNull();
    expect(read.curves.valLoss).toEqual([1, null]);
  });

  it('reads the classification scores, an undefined ROC AUC as null, and a record from before them without', () => {
    const scores = { loss: 0.3, accuracy: 0.9, balancedAccuracy: 0.85, macroF1: 0.8, rocAuc: null };
    const now = succeededTrial(item, 0.3, { task: 'classification', validation: scores, train: { ...scores, rocAuc: 0.95 } });
    const before = succeededTrial(item, 0.3, { task: 'classification', validation: { loss: 0.3, accuracy: 0.9 }, train: { loss: 0.2, accuracy: 0.95 } });
    expect(asTrialRecord(stored(now))).toEqual(now);
    expect(asTrialRecord(stored(before))).toEqual(before);
  });
});
