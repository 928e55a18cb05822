/** Aggregate: read every trial record, decide the tolerated failures, rank configs over folds, write leaderboard.json. */
import { z } from 'zod';
import { SpecError } from '../../shared/errors';
import { aggregateSweep } from '../../shared/steps/aggregate';
import { handlerContext } from '../lib/config';

/** `toleratedFailurePercentage` is the deployment's, a constant of the state machine (infra/workflow.ts). */
const AggregateEvent = z.object({ sweepId: z.string(), toleratedFailurePercentage: z.number().min(0).max(100).optional() });

export const handler = async (event: unknown) => {
  const parsed = AggregateEvent.safeParse(event);
  if (!parsed.success) throw new SpecError('invalid aggregate event: expected { "sweepId": "...", "toleratedFailurePercentage"?: 0..100 }');
  return aggregateSweep(handlerContext().store, parsed.data.sweepId, parsed.data.toleratedFailurePercentage);
};
