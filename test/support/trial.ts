/**
 * One trial through the trial step, as the Distributed Map hands it with a batch size of 1: a batch of one item
 * (runTrialBatch; its records go to trials/<trialId>+1/). A trial that failed (its failed record written) is
 * thrown as an Error with the trial's error name and message, as a caller of a single trial would see it.
 */
import type { TrialEvent } from '../../shared/steps/events';
import { runTrialBatch, type BatchDeps, type TrialSummary } from '../../shared/steps/trial';

export async function runTrial(event: TrialEvent, deps: BatchDeps): Promise<TrialSummary> {
  const { sweepId, ...item } = event;
  const [outcome] = (await runTrialBatch({ Items: [item], BatchInput: { sweepId } }, deps)).trials;
  if (outcome.status === 'failed') throw Object.assign(new Error(outcome.error.message), { name: outcome.error.name });
  return outcome;
}
