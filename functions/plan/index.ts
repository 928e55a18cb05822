/** PlanSweep: validate the spec and its dataset, expand the grid, write spec.json and manifest.json. */
import { z } from 'zod';
import { planSweep } from '../../shared/steps/plan';
import { SpecError } from '../../shared/errors';
import { costSettings, handlerContext } from '../lib/config';

const PlanEvent = z.object({ spec: z.unknown(), sweepId: z.string().optional() });

export const handler = async (event: unknown) => {
  const parsed = PlanEvent.safeParse(event);
  if (!parsed.success || parsed.data.spec === undefined) throw new SpecError('invalid plan event: expected { "spec": { ... } }');
  return planSweep(handlerContext().store, parsed.data, costSettings());
};
