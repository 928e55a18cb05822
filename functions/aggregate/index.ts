/** Aggregate: read every trial record, rank configs over folds, select the best, write leaderboard.json. */
import { aggregateSweep, parseSweepEvent } from '../../shared/pipeline';
import { handlerContext } from '../lib/config';

export const handler = async (event: unknown) => aggregateSweep(handlerContext().store, parseSweepEvent(event).sweepId);
