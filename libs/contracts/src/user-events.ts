import { randomUUID } from 'node:crypto';
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

export type UserUpserted = z.infer<typeof UserUpserted>;

/** A `user.upserted` event with a fresh id, as a company's user directory publishes it. */
export function userUpserted(userId: string, email: string, at = new Date()): UserUpserted {
  return {
    schemaVersion: 1,
    type: 'user.upserted',
    eventId: randomUUID(),
    occurredAt: at.toISOString(),
    userId,
    email,
  };
}

export const UserDeleted = z
  .object({ ...userEventBase, type: z.literal('user.deleted') })
  .meta({ id: 'UserDeleted', description: 'A company user was removed; their enrichment is dropped.' });

export const UserEvent = z.discriminatedUnion('type', [UserUpserted, UserDeleted]).meta({ id: 'UserEvent' });
export type UserEvent = z.infer<typeof UserEvent>;

/** What enrichment knows of a user's tickets, published on every change of them (state, not delta). */
export const UserOpenTicketsChanged = z
  .object({
    schemaVersion: z.literal(1),
    type: z.literal('user.open_tickets_changed'),
    eventId: z.string().min(1),
    occurredAt: IsoTimestamp,
    userId: z.string().min(1).describe("the company's user id; also the Kafka key"),
    openTicketIds: z
      .array(z.string())
      .describe("Zendesk ids of the user's open tickets (new, open, pending, hold), ascending"),
    openCount: z.number().int().nonnegative(),
    version: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'increases with every set published for any user: a consumer ignores a set whose version is not above the last one it applied for that user (absent before Ticketflow 0.2)',
      ),
    causeEventId: z.string().nullable().describe('the ticket or user event whose projection changed it'),
  })
  .meta({
    id: 'UserOpenTicketsChanged',
    description:
      "A user's set of open Zendesk tickets after a change; the latest per user is the current state.",
  });
export type UserOpenTicketsChanged = z.infer<typeof UserOpenTicketsChanged>;
