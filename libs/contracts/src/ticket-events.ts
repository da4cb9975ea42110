import { z } from 'zod';
import {
  IsoTimestamp,
  StatusCategory,
  Text,
  TicketPriority,
  TicketStatus,
  TicketType,
  ZendeskId,
} from './common';

/**
 * The ticket as Zendesk described it at the moment of the event, normalised from a webhook `detail`
 * (string ids, UPPERCASE enums), a trigger body, or a REST/incremental-export ticket (integer ids, lowercase).
 * A field is absent when the source did not carry it (a partial payload, a trigger body without it): consumers
 * keep what they know. null means Zendesk says there is none.
 */
/** A custom ticket field's value: text, drop-down tag, number, checkbox, multi-select tags, or none. */
export const CustomFieldValue = z
  .union([Text, z.number(), z.boolean(), z.array(Text)])
  .nullable()
  .meta({ id: 'CustomFieldValue' });
export type CustomFieldValue = z.infer<typeof CustomFieldValue>;

export const TicketSnapshot = z
  .object({
    id: ZendeskId,
    subject: Text.nullable().optional(),
    status: TicketStatus.optional(),
    statusCategory: StatusCategory.nullable()
      .optional()
      .describe('null only for deleted tickets; present whenever status is'),
    customStatusId: ZendeskId.nullable().optional(),
    priority: TicketPriority.nullable().optional(),
    type: TicketType.nullable().optional(),
    requesterId: ZendeskId.nullable().optional(),
    requesterEmail: Text.nullable()
      .optional()
      .describe(
        'present when the source carried it (trigger webhooks, sideloaded users); event webhooks lack it',
      ),
    assigneeId: ZendeskId.nullable().optional(),
    groupId: ZendeskId.nullable().optional(),
    organizationId: ZendeskId.nullable().optional(),
    tags: z.array(Text).optional(),
    customFields: z
      .record(ZendeskId, CustomFieldValue)
      .optional()
      .describe(
        'custom ticket field values by field id, as Zendesk gives them; only the fields the source carried (merge them)',
      ),
    createdAt: IsoTimestamp.optional(),
    updatedAt: IsoTimestamp,
  })
  .meta({
    id: 'TicketSnapshot',
    description:
      'An absent field was not carried by the source (a partial payload): keep what you hold. null: Zendesk says none.',
  });
export type TicketSnapshot = z.infer<typeof TicketSnapshot>;

export const TicketEventSource = z.enum([
  'zendesk-event-webhook',
  'zendesk-trigger-webhook',
  'reconciliation',
]);

const ticketEventBase = {
  schemaVersion: z.literal(1),
  eventId: Text.min(1).describe(
    'unique per change: the Zendesk event id for event webhooks, derived otherwise; the deduplication key',
  ),
  source: TicketEventSource,
  occurredAt: IsoTimestamp.describe('when Zendesk says the change happened'),
  ticketId: ZendeskId.describe(
    'also the Kafka key, so every change of one ticket is in one partition, in order',
  ),
  sequenceId: Text.nullable().describe('Zendesk meta.sequence.id: events of one ticket update share it'),
  ticket: TicketSnapshot,
};

const change = <T extends z.ZodType>(value: T) =>
  z.object({ previous: value.nullable(), current: value.nullable() });

export const TicketCreated = z
  .object({ ...ticketEventBase, type: z.literal('ticket.created') })
  .meta({ id: 'TicketCreated', description: 'A ticket was created.' });
export const TicketStatusChanged = z
  .object({ ...ticketEventBase, type: z.literal('ticket.status_changed'), change: change(TicketStatus) })
  .meta({ id: 'TicketStatusChanged', description: 'A ticket moved from one status to another.' });
export const TicketUpdated = z
  .object({
    ...ticketEventBase,
    type: z.literal('ticket.updated'),
    field: Text.describe('which Zendesk field changed, e.g. priority, subject, agent_assignment'),
  })
  .meta({
    id: 'TicketUpdated',
    description: 'A field other than status changed; the snapshot holds the new state.',
  });
export const TicketSoftDeleted = z
  .object({ ...ticketEventBase, type: z.literal('ticket.soft_deleted') })
  .meta({ id: 'TicketSoftDeleted', description: 'Moved to deleted tickets; can still be undeleted.' });
export const TicketPermanentlyDeleted = z
  .object({ ...ticketEventBase, type: z.literal('ticket.permanently_deleted') })
  .meta({ id: 'TicketPermanentlyDeleted', description: 'Gone for good; projections drop it.' });
export const TicketUndeleted = z
  .object({ ...ticketEventBase, type: z.literal('ticket.undeleted') })
  .meta({ id: 'TicketUndeleted', description: 'Restored from deleted tickets.' });
export const TicketMerged = z
  .object({
    ...ticketEventBase,
    type: z.literal('ticket.merged'),
    mergedIntoTicketId: ZendeskId.nullable(),
  })
  .meta({ id: 'TicketMerged', description: 'Merged into another ticket (and closed).' });
export const TicketMarkedAsSpam = z
  .object({ ...ticketEventBase, type: z.literal('ticket.marked_as_spam') })
  .meta({ id: 'TicketMarkedAsSpam', description: 'Marked as spam; Zendesk deletes it.' });
export const StatusChange = z
  .object({
    sequenceId: Text.min(1).describe('the Zendesk audit (action) that made the change'),
    at: IsoTimestamp,
    from: TicketStatus.nullable(),
    to: TicketStatus,
  })
  .meta({ id: 'StatusChange' });
export type StatusChange = z.infer<typeof StatusChange>;

export const TicketReconciled = z
  .object({
    ...ticketEventBase,
    type: z.literal('ticket.reconciled'),
    statusChanges: z
      .array(StatusChange)
      .describe("the ticket's status changes Zendesk's audit log shows in the pass's window, oldest first"),
  })
  .meta({
    id: 'TicketReconciled',
    description:
      "The ticket's state as read from Zendesk's incremental exports, correcting missed or wrong webhooks.",
  });

export const TicketEvent = z
  .discriminatedUnion('type', [
    TicketCreated,
    TicketStatusChanged,
    TicketUpdated,
    TicketSoftDeleted,
    TicketPermanentlyDeleted,
    TicketUndeleted,
    TicketMerged,
    TicketMarkedAsSpam,
    TicketReconciled,
  ])
  .meta({ id: 'TicketEvent' });
export type TicketEvent = z.infer<typeof TicketEvent>;
export type TicketEventType = TicketEvent['type'];
