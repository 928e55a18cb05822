/** TrainTrial: a batch of manifest items -> one trained config on one fold each -> record parts under sweeps/<id>/trials/<batchKey>/. */
import { parseTrialBatchEvent } from '../../shared/steps/events';
import { runTrialBatch } from '../../shared/steps/trial';
import { backendAtInit } from '../lib/backend';
import { backendSettings, faultRules, handlerContext } from '../lib/config';
import { faultHooks } from '../lib/faults';

const { beforeBatch, beforeTrain } = faultHooks(faultRules());

const ready = backendAtInit(backendSettings());

export const handler = async (event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => {
  const batch = parseTrialBatchEvent(event);
  const { store, caches } = handlerContext();
  const { name } = await ready;
  const remainingMs = context?.getRemainingTimeInMillis?.bind(context);
  return runTrialBatch(batch, { store, caches, backend: name, log: (line) => console.log(line), beforeBatch, beforeTrain, remainingMs });
};
