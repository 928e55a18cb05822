/** PlanSweep: validate the spec and its dataset, expand the grid, write spec.json and manifest.json. */
import { z } from 'zod';
import { planSweep } from '../../shared/steps/plan';
import { SpecError } from '../../shared/errors';
import { costSettings, handlerContext } from '../lib/config';

const batchSize = z.number().int().min(1);
/** `batching` is the deployment's batch sizes, a constant of the state machine (infra/workflow.ts). */
const PlanEvent = z.object({
  spec: z.unknown(),
  sweepId: z.string().optional(),
  batching: z.object({ exactBatchSize: batchSize, sgdBatchSize: batchSize }).optional(),
});

export const handler = async (event: unknown) => {
  const parsed = PlanEvent.safeParse(event);
  if (!parsed.success || parsed.data.spec === undefined) throw new SpecError('invalid plan event: expected { "spec": { ... }, "batching"?: { ... } }');
  return planSweep(handlerContext().store, parsed.data, costSettings());
};
