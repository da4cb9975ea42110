import { z } from 'zod';
import { IsoTimestamp } from './common';

const alertBase = {
  schemaVersion: z.literal(1),
  eventId: z.string().min(1).describe('the alert id; the same alert is never emitted under another id'),
  occurredAt: IsoTimestamp,
  userId: z.string().min(1).describe("the company's user id; also the Kafka key"),
  openCount: z.number().int().nonnegative(),
  openTicketIds: z.array(z.string()),
  threshold: z.number().int().nonnegative().describe('alerts fire when openCount is greater than this'),
};

export const UserThresholdExceeded = z
  .object({ ...alertBase, type: z.literal('user.threshold.exceeded') })
  .meta({
    id: 'UserThresholdExceeded',
    description: "A user's open tickets went above the threshold (once per crossing).",
  });
export const UserThresholdRecovered = z
  .object({ ...alertBase, type: z.literal('user.threshold.recovered') })
  .meta({
    id: 'UserThresholdRecovered',
    description: "A user's open tickets fell back to the threshold or below; the alert is re-armed.",
  });
export const UserAlertEvent = z
  .discriminatedUnion('type', [UserThresholdExceeded, UserThresholdRecovered])
  .meta({ id: 'UserAlertEvent' });
export type UserAlertEvent = z.infer<typeof UserAlertEvent>;

export const UserOpenTicketCount = z
  .object({
    schemaVersion: z.literal(1),
    type: z.literal('user.open_ticket_count'),
    userId: z.string().min(1),
    openCount: z.number().int().nonnegative(),
    openTicketIds: z.array(z.string()),
    aboveThreshold: z.boolean(),
    updatedAt: IsoTimestamp,
  })
  .meta({
    id: 'UserOpenTicketCount',
    description: "A user's current open-ticket count (compacted: the latest per user).",
  });
export type UserOpenTicketCount = z.infer<typeof UserOpenTicketCount>;
