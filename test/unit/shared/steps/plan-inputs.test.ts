/**
 * PlanSweep on a bucket in memory (MemoryBlobs): inputs refused before any trial is planned (no manifest written).
 */
import { SpecError, DatasetError } from '../../../../shared/errors';
import type { SweepSpecInput } from '../../../../shared/search/spec';
import { planSweep } from '../../../../shared/steps/plan';
import { manifestKey } from '../../../../shared/store/layout';
import { MemoryBlobs } from '../../../../shared/store/memory-blobs';

const blobs = new MemoryBlobs('regsweep-plan-inputs');
const putText = (key: string, text: string) => blobs.putBytes(key, Buffer.from(text));

function specOn(key: string, patch: Partial<SweepSpecInput> = {}): SweepSpecInput {
  return {
    dataset: { source: `s3://${blobs.bucket}/${key}`, target: 'y', task: 'regression' },
    model: { hidden: [] },
    search: { types: ['none', 'l2'], lambda: [0.1, 1] },
    ...patch,
  };
}

describe('planSweep refuses before planning', () => {
  it('a dataset object over limits.maxDatasetBytes (from its size), naming the object and the limit', async () => {
    // Prepare
    const csv = 'a,y\n' + Array.from({ length: 20 }, (_, i) => `${i},${i * 2}`).join('\n') + '\n';
    await putText('datasets/big.csv', csv);
    const spec = specOn('datasets/big.csv', { limits: { maxDatasetBytes: 50 } });

    // Act
    const plan = () => planSweep(blobs, { spec, sweepId: 'too-big' });

    // Assess
    await expect(plan()).rejects.toThrow(DatasetError);
    await expect(plan()).rejects.toThrow(new RegExp(`datasets/big\\.csv: the file is ${csv.length} bytes, over limits\\.maxDatasetBytes = 50 bytes`));
    expect(await blobs.head(manifestKey('too-big'))).toBeUndefined();
  });

  it('k folds on a split column with validation rows, naming validation.folds (no trial for a fold that does not exist)', async () => {
    // Prepare
    const rows = Array.from({ length: 12 }, (_, i) => `${i},${['train', 'validation', 'test'][i % 3]},${i * 2}`);
    await putText('datasets/split.csv', ['a,split,y', ...rows].join('\n') + '\n');
    const spec = specOn('datasets/split.csv', { validation: { folds: 3 } });

    // Act
    const plan = () => planSweep(blobs, { spec, sweepId: 'split-folds' });

    // Assess
    await expect(plan()).rejects.toThrow(SpecError);
    await expect(plan()).rejects.toThrow(/validation\.folds is 3, but .*split\.csv, column "split": the rows labeled validation \(4\) make a single holdout/);
    expect(await blobs.head(manifestKey('split-folds'))).toBeUndefined();
  });

  it("a sweep estimated over limits.maxCostUsd for the stack's settings (scheduled sweeps); under it, or without settings, it plans", async () => {
    // Prepare
    await putText('datasets/cost.csv', 'a,b,y\n' + Array.from({ length: 40 }, (_, i) => `${i},${(i * 7) % 5},${i * 2}`).join('\n') + '\n');
    const deploy = {
      trialMemoryMb: 2048,
      planMemoryMb: 1024,
      aggregateMemoryMb: 1024,
      refitMemoryMb: 3008,
      architecture: 'x86_64' as const,
      childType: 'STANDARD' as const,
    };
    const over = specOn('datasets/cost.csv', { limits: { maxCostUsd: 0.000001 } });

    // Act
    const plan = () => planSweep(blobs, { spec: over, sweepId: 'over-budget' }, deploy);

    // Assess: 3 configs x 5 folds = 15 trials
    await expect(plan()).rejects.toThrow(SpecError);
    await expect(plan()).rejects.toThrow(
      /^sweep over-budget: limits\.maxCostUsd is \$0\.0000010 but this sweep is estimated at \$0\.\d+ \(15 trials at 2048 MB x86_64, STANDARD children/,
    );
    expect(await blobs.head(manifestKey('over-budget'))).toBeUndefined();
    const under = await planSweep(blobs, { spec: specOn('datasets/cost.csv', { limits: { maxCostUsd: 1 } }), sweepId: 'under-budget' }, deploy);
    expect(under.trialCount).toBe(15);
    expect((await planSweep(blobs, { spec: over, sweepId: 'no-settings' })).trialCount).toBe(15); // no stack settings: no estimate
  });
});
