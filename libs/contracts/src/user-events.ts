import { z } from 'zod';
import { IsoTimestamp } from './common';

const userEventBase = {
  schemaVersion: z.literal(1),
  eventId: z.string().min(1),
  occurredAt: IsoTimestamp,
  userId: z.string().min(1).describe("the company's own user id; also the Kafka key"),
};

export const UserUpserted = z
  .object({
    ...userEventBase,
    type: z.literal('user.upserted'),
    email: z.email().describe('matched, case-insensitively, with the Zendesk requester email'),
  })
  .meta({ id: 'UserUpserted', description: 'A company user was created or changed.' });

export const UserDeleted = z
  .object({ ...userEventBase, type: z.literal('user.deleted') })
  .meta({ id: 'UserDeleted', description: 'A company user was removed; their enrichment is dropped.' });

export const UserEvent = z.discriminatedUnion('type', [UserUpserted, UserDeleted]).meta({ id: 'UserEvent' });
export type UserEvent = z.infer<typeof UserEvent>;
