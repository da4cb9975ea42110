import type { Logger } from '@nestjs/common';
import { DeadLetterReason } from '@ticketflow/contracts';
import { MetricsBuilder } from '@ticketflow/observability';

/** A Kafka consumer's hooks (runBatchConsumer): `<prefix>_dead_letters_total` and the like, with their logs. */
export function consumerHooks(m: MetricsBuilder, prefix: string, logger: Logger) {
  const deadLetters = m.counter(`${prefix}_dead_letters_total`, 'Messages sent to a dead-letter topic', [
    'reason',
  ]);
  // Every reason's series exists from the start at 0, so the first dead letter shows as an increase.
  for (const reason of Object.values(DeadLetterReason)) deadLetters.inc({ reason }, 0);
  const transientFailures = m.counter(
    `${prefix}_transient_failures_total`,
    'Batches that met a database or broker outage and were retried (never dead-lettered)',
  );
  const restarts = m.counter(
    `${prefix}_consumer_restarts_total`,
    'Kafka consumers that stopped on an error and were started again',
  );
  return {
    onDeadLetter: (reason: string) => deadLetters.inc({ reason }),
    onBatchFailed: (error: Error) =>
      logger.warn({ msg: 'batch failed every retry; applying it message by message', error: error.message }),
    onTransientFailure: (error: Error) => {
      transientFailures.inc();
      logger.warn({ msg: 'database or broker unavailable; retrying the batch', error: error.message });
    },
    onRestart: (error: Error) => {
      restarts.inc();
      logger.error({ msg: 'consumer stopped; starting it again', error: error.message });
    },
  };
}

/** An outbox relay's hooks (OutboxRelay): failed rounds and quarantined rows counted and logged. */
export function relayHooks(m: MetricsBuilder, logger: Logger) {
  const quarantined = m.counter(
    'outbox_quarantined_total',
    'Outbox rows that can never be sent (set aside with their reason)',
  );
  const failures = m.counter('outbox_relay_failures_total', 'Outbox relay rounds that failed (retried)');
  return {
    onError: (error: Error) => {
      failures.inc();
      logger.warn({ msg: 'outbox relay round failed; retrying', error: error.message });
    },
    onQuarantine: (row: { id: string; topic: string }, reason: string) => {
      quarantined.inc();
      logger.error({ msg: 'outbox row quarantined', outboxId: row.id, topic: row.topic, reason });
    },
  };
}
