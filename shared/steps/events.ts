/** The events the Lambda handlers receive, parsed at the edge: a manifest item (trial) or a sweep id. */
import { z } from 'zod';
import { SpecError } from '../errors';
import { ManifestItemSchema } from '../store/artifacts';

/** A manifest item as the Distributed Map hands it to the trial function. */
export const TrialEventSchema = ManifestItemSchema;
export type TrialEvent = z.infer<typeof TrialEventSchema>;

const SweepEventSchema = z.object({ sweepId: z.string() });

function parseEvent<T>(schema: z.ZodType<T>, event: unknown, what: string): T {
  const r = schema.safeParse(event);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new SpecError(`invalid ${what} event: ${first.path.join('.') || '(event)'}: ${first.message}`);
  }
  return r.data;
}

export const parseTrialEvent = (event: unknown) => parseEvent(TrialEventSchema, event, 'trial');
export const parseSweepEvent = (event: unknown) => parseEvent(SweepEventSchema, event, 'sweep');
