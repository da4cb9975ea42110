import type { z } from 'zod';
import { TicketEvent } from './ticket-events';
import { UserEvent, UserOpenTicketsChanged } from './user-events';
import { UserAlertEvent, UserOpenTicketCount } from './alert-events';
import { StatsBatchEvent, StatsHourly } from './stats';

export interface TopicDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /** What the Kafka key holds; ordering holds per key. */
  key: string;
  schema: S;
  partitions: number;
  /** Broker-side topic configs, applied when the project creates the topic (min.insync.replicas follows the replication factor). */
  configs: Record<string, string>;
}

const defineTopic = <S extends z.ZodType>(topic: TopicDefinition<S>) => topic;

const RETAIN_7_DAYS = { 'cleanup.policy': 'delete', 'retention.ms': String(7 * 24 * 3600 * 1000) };

export const Topics = {
  ticketEvents: defineTopic({
    name: 'ticket.events.v1',
    description:
      'Every change to a Zendesk ticket, from webhooks and from reconciliation against the incremental export.',
    key: 'Zendesk ticket id (decimal string)',
    schema: TicketEvent,
    partitions: 6,
    configs: RETAIN_7_DAYS,
  }),
  userEvents: defineTopic({
    name: 'user.events.v1',
    description:
      "The company's users as they are created, changed and removed; compacted to the latest per user.",
    key: 'company user id',
    schema: UserEvent,
    partitions: 6,
    configs: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '60000' },
  }),
  userOpenTickets: defineTopic({
    name: 'user.open-tickets.v1',
    description:
      "Each company user's open Zendesk tickets, published by enrichment whenever they change; compacted to the latest per user.",
    key: 'company user id',
    schema: UserOpenTicketsChanged,
    partitions: 6,
    configs: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '60000' },
  }),
  userOpenTicketCount: defineTopic({
    name: 'user.open-ticket-count.v1',
    description: "Alerting's open-ticket count per user, compacted to the latest per user.",
    key: 'company user id',
    schema: UserOpenTicketCount,
    partitions: 6,
    configs: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '60000' },
  }),
  userAlerts: defineTopic({
    name: 'user.alerts.v1',
    description:
      'user.threshold.exceeded when a user goes above the open-ticket threshold, user.threshold.recovered when back.',
    key: 'company user id',
    schema: UserAlertEvent,
    partitions: 6,
    configs: { 'cleanup.policy': 'delete', 'retention.ms': String(30 * 24 * 3600 * 1000) },
  }),
  statsBatchEvents: defineTopic({
    name: 'stats.batch-events.v1',
    description:
      "The stats-collector's batch log: each export page fetched (facts only), each window opened, its updaters' roles and its completion. Replayed on start; one partition, so one order.",
    key: '`audits`, `tickets` or `hour:<windowStart>`',
    schema: StatsBatchEvent,
    partitions: 1,
    configs: { 'cleanup.policy': 'delete', 'retention.ms': '-1' },
  }),
  statsHourly: defineTopic({
    name: 'stats.hourly.v1',
    description:
      'Zendesk statistics of each closed window (average resolution time, most efficient agent), published once complete; compacted to the latest revision per window.',
    key: 'window start (ISO 8601)',
    schema: StatsHourly,
    partitions: 3,
    configs: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '60000' },
  }),
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics]['name'];

/** Dead letters of topic T go to `${T}.dlq`, keeping key, value and the headers below. */
export const deadLetterTopicOf = (topic: string) => `${topic}.dlq`;

export const DeadLetterDefaults = {
  partitions: 1,
  configs: { 'cleanup.policy': 'delete', 'retention.ms': String(30 * 24 * 3600 * 1000) },
};

export const Headers = {
  /** The event's `type`, so consumers can route without parsing. */
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  /** W3C trace context (https://www.w3.org/TR/trace-context/). */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  /** Set on dead letters. */
  dlqReason: 'dlq-reason',
  dlqError: 'dlq-error',
  dlqOriginalTopic: 'dlq-original-topic',
  dlqOriginalPartition: 'dlq-original-partition',
  dlqOriginalOffset: 'dlq-original-offset',
  dlqConsumerGroup: 'dlq-consumer-group',
  dlqFailedAt: 'dlq-failed-at',
} as const;

/** Why a message was dead-lettered (value of the dlq-reason header). */
export const DeadLetterReason = {
  invalidJson: 'invalid-json',
  schemaViolation: 'schema-violation',
  processingFailed: 'processing-failed',
} as const;
export type DeadLetterReason = (typeof DeadLetterReason)[keyof typeof DeadLetterReason];
