/** Aggregate: read every trial record, rank configs over folds, select the best, write leaderboard.json. */
import { aggregateSweep } from '../../shared/steps/aggregate';
import { parseSweepEvent } from '../../shared/steps/events';
import { handlerContext } from '../lib/config';

export const handler = async (event: unknown) => aggregateSweep(handlerContext().store, parseSweepEvent(event).sweepId);
