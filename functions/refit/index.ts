/** RefitBest: train the chosen config on all non-test rows, test it once, save the model and best.json. */
import { parseSweepEvent, refitBest } from '../../shared/pipeline';
import { backend, handlerContext } from '../lib/config';

export const handler = async (event: unknown) => {
  const { sweepId } = parseSweepEvent(event);
  const { store, caches } = handlerContext();
  const { name } = await backend();
  return refitBest(store, sweepId, { backend: name, caches });
};
