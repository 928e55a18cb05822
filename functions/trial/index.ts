/** TrainTrial: one manifest item -> one trained config on one fold -> sweeps/<id>/trials/<trialId>.json. */
import { parseTrialEvent } from '../../shared/steps/events';
import { runTrialStep } from '../../shared/steps/trial';
import { backend } from '../lib/backend';
import { handlerContext } from '../lib/config';
import { faultHook } from '../lib/faults';

const beforeTrain = faultHook();

export const handler = async (event: unknown) => {
  const item = parseTrialEvent(event);
  const { store, caches } = handlerContext();
  const { name } = await backend();
  return runTrialStep(item, { store, caches, backend: name, log: (line) => console.log(line), beforeTrain });
};
