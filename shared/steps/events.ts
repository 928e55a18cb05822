/** The events the Lambda handlers receive, parsed at the edge: a batch of manifest items (trial) or a sweep id. */
import { z } from 'zod';
import { SpecError } from '../errors';
import { TrialItemSchema } from '../search/grid';

/** One trial to run: a manifest item and its sweep. */
export const TrialEventSchema = TrialItemSchema.extend({ sweepId: z.string() });
export type TrialEvent = z.infer<typeof TrialEventSchema>;

/** What the Distributed Map's ItemBatcher hands the trial function: manifest items, and the sweep in BatchInput. */
export const TrialBatchEventSchema = z.object({
  Items: z.array(TrialItemSchema).min(1),
  BatchInput: z.object({ sweepId: z.string() }),
});
export type TrialBatchEvent = z.infer<typeof TrialBatchEventSchema>;

const SweepEventSchema = z.object({ sweepId: z.string() });

function parseEvent<T>(schema: z.ZodType<T>, event: unknown, what: string): T {
  const r = schema.safeParse(event);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new SpecError(`invalid ${what} event: ${first.path.join('.') || '(event)'}: ${first.message}`);
  }
  return r.data;
}

export const parseTrialBatchEvent = (event: unknown) => parseEvent(TrialBatchEventSchema, event, 'trial batch');
export const parseSweepEvent = (event: unknown) => parseEvent(SweepEventSchema, event, 'sweep');
