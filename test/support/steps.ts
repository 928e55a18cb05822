/**
 * A whole sweep through the real steps, in process, on any bucket (MemoryBlobs in unit tests, ObjectStore on the
 * local S3 server): plan, the manifest in the plan's batches (as the Distributed Map's ItemBatcher cuts it), one
 * after the other in one warm container, then aggregate and refit. What the workflow adds (retries, tolerated
 * failures, concurrency, the bundles) is the harness's, tested end to end in test/integration/harness-*.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { aggregateSweep, loadManifest } from '../../shared/steps/aggregate';
import { createCaches } from '../../shared/steps/context';
import { planSweep, type PlanResult } from '../../shared/steps/plan';
import { refitBest } from '../../shared/steps/refit';
import { runTrialBatch } from '../../shared/steps/trial';
import type { BucketBlobs } from '../../shared/store/blobs';
import type { TrialItem } from '../../shared/search/grid';
import { ready } from './tf';

/** Runs the sweep of `spec` (its dataset already in `blobs`); returns the plan and the manifest. */
export async function runSweep(blobs: BucketBlobs, spec: Record<string, unknown>): Promise<{ plan: PlanResult; items: TrialItem[] }> {
  await ready();
  const plan = await planSweep(blobs, { spec });
  const items = await loadManifest(blobs, plan.sweepId);
  const deps = { store: blobs, caches: createCaches(), backend: tf.getBackend() };
  for (let i = 0; i < items.length; i += plan.batchSize) {
    const batch = await runTrialBatch({ Items: items.slice(i, i + plan.batchSize), BatchInput: { sweepId: plan.sweepId } }, deps);
    const failed = batch.trials.find((t) => t.status === 'failed');
    if (failed?.status === 'failed') throw new Error(`trial ${failed.trialId} failed: ${failed.error.name}: ${failed.error.message}`);
  }
  await aggregateSweep(blobs, plan.sweepId);
  await refitBest(blobs, plan.sweepId, { backend: tf.getBackend() });
  return { plan, items };
}
