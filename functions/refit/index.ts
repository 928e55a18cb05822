/** RefitBest: train the chosen config on all non-test rows, test it once, save the model and best.json. */
import { parseSweepEvent } from '../../shared/steps/events';
import { refitBest } from '../../shared/steps/refit';
import { backendAtInit } from '../lib/backend';
import { backendSettings, handlerContext } from '../lib/config';

const ready = backendAtInit(backendSettings());

export const handler = async (event: unknown) => {
  const { sweepId } = parseSweepEvent(event);
  const { store, caches } = handlerContext();
  const { name } = await ready;
  return refitBest(store, sweepId, { backend: name, caches });
};
