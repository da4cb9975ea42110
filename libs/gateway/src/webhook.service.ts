import { Inject, Injectable, Logger } from '@nestjs/common';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { LRUCache } from 'lru-cache';
import { Topics, type TicketEvent } from '@ticketflow/contracts';
import { decideWebhook, decideWebhookHeaders, type WebhookKind } from '@ticketflow/zendesk';
import { RUNTIME } from '@ticketflow/service';
import type { GatewayRuntime } from './gateway.runtime';

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

const tracer = trace.getTracer('webhook-gateway');

class ProduceTimeout extends Error {}

/**
 * One webhook in, its ticket events on Kafka, the answer out. 2xx only after Kafka acknowledged (acks=all);
 * 503 with Retry-After when it did not, so Zendesk delivers again. Duplicate deliveries of an acknowledged
 * Zendesk event id are answered 200 without producing (per instance; projections deduplicate by event id too).
 */
@Injectable()
export class WebhookService {
  private readonly logger = new Logger(WebhookService.name);
  private readonly acknowledged: LRUCache<string, true> | null;
  private readonly topic: typeof Topics.ticketEvents;

  private readonly config;
  private readonly metrics;

  constructor(@Inject(RUNTIME) private readonly runtime: GatewayRuntime) {
    const { config } = runtime;
    this.config = config;
    this.metrics = runtime.metrics;
    this.topic = { ...Topics.ticketEvents, name: config.TICKET_EVENTS_TOPIC };
    this.acknowledged =
      config.DEDUP_CACHE_SIZE > 0 ? new LRUCache({ max: config.DEDUP_CACHE_SIZE, ttl: 3_600_000 }) : null;
  }

  /**
   * Checked before the body is read: a request without a valid signature header or timestamp gets its 401
   * whatever its size; only signed-looking requests are read, up to WEBHOOK_MAX_BYTES.
   */
  refuseBeforeBody(
    kind: WebhookKind,
    headers: Record<string, string | string[] | undefined>,
  ): WebhookAnswer | null {
    const refusal = decideWebhookHeaders(headers, {
      toleranceMs: this.config.WEBHOOK_TOLERANCE_SECONDS * 1000,
    });
    if (!refusal) return null;
    this.metrics.received.inc({ endpoint: kind });
    return {
      ...this.refuse(kind, refusal.status, refusal.reason),
      // Else Node would read (and drop) the whole unread body, of any size, to keep the connection alive.
      headers: { connection: 'close' },
    };
  }

  /** The body could not be read whole: over WEBHOOK_MAX_BYTES (413) or cut off (400). */
  unreadable(kind: WebhookKind, error: Error & { type?: string }): WebhookAnswer {
    this.metrics.received.inc({ endpoint: kind });
    if (error.type !== 'entity.too.large') return this.refuse(kind, 400, 'unreadable-body', error.message);
    return {
      ...this.refuse(kind, 413, 'payload-too-large', `body over ${this.config.WEBHOOK_MAX_BYTES} bytes`),
      // The unread rest of the body would be taken for the next request on a kept-alive connection.
      headers: { connection: 'close' },
    };
  }

  private refuse(kind: WebhookKind, status: number, reason: string, detail?: string): WebhookAnswer {
    this.metrics.rejected.inc({ endpoint: kind, reason });
    // The reason, never the body: it may hold personal data.
    this.logger.warn({ msg: 'webhook rejected', endpoint: kind, reason });
    const error = status === 401 ? 'unauthorized' : status === 413 ? 'payload-too-large' : 'bad-request';
    return { status, body: { error, reason, ...(detail === undefined ? {} : { detail }) } };
  }

  async handle(
    kind: WebhookKind,
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<WebhookAnswer> {
    this.metrics.received.inc({ endpoint: kind });
    return tracer.startActiveSpan(`zendesk webhook ${kind}`, { kind: SpanKind.SERVER }, async (span) => {
      try {
        const answer = await this.process(kind, rawBody, headers, (attributes) =>
          span.setAttributes(attributes),
        );
        span.setAttribute('http.response.status_code', answer.status);
        if (answer.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        return answer;
      } finally {
        span.end();
      }
    });
  }

  private async process(
    kind: WebhookKind,
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
    annotate: (attributes: Record<string, string | number>) => void,
  ): Promise<WebhookAnswer> {
    const decision = decideWebhook(kind, rawBody, headers, {
      secrets: this.config.ZENDESK_WEBHOOK_SECRETS,
      toleranceMs: this.config.WEBHOOK_TOLERANCE_SECONDS * 1000,
      futureToleranceMs: this.config.WEBHOOK_FUTURE_TOLERANCE_SECONDS * 1000,
    });
    if (decision.outcome === 'reject')
      return this.refuse(kind, decision.status, decision.reason, decision.detail);
    if (decision.outcome === 'ignore') {
      // The label from a closed set: raw payload text as a label value would grow /metrics with every request.
      this.metrics.ignored.inc({ type: decision.label });
      return { status: 200, body: { status: 'ignored', type: decision.type } };
    }
    const events = decision.events.filter((event) => !this.acknowledged?.has(event.eventId));
    annotate({
      'zendesk.event_ids': decision.events.map((e) => e.eventId).join(','),
      'zendesk.ticket_id': decision.events[0]?.ticketId ?? '',
    });
    if (events.length === 0) {
      this.metrics.duplicates.inc();
      return { status: 200, body: { status: 'duplicate', eventIds: decision.events.map((e) => e.eventId) } };
    }
    const stopTimer = this.metrics.produceSeconds.startTimer();
    try {
      await this.produceWithin(events);
      stopTimer({ outcome: 'acknowledged' });
    } catch (error) {
      stopTimer({ outcome: error instanceof ProduceTimeout ? 'timeout' : 'error' });
      this.metrics.rejected.inc({ endpoint: kind, reason: 'kafka-unavailable' });
      this.logger.error({ msg: 'kafka did not acknowledge; answering 503', error: (error as Error).message });
      return {
        status: 503,
        headers: { 'retry-after': String(this.config.RETRY_AFTER_SECONDS) },
        body: { error: 'unavailable', reason: 'kafka-unavailable' },
      };
    }
    for (const event of events) this.acknowledged?.set(event.eventId, true);
    this.metrics.accepted.inc({ endpoint: kind });
    return { status: 200, body: { status: 'accepted', eventIds: events.map((e) => e.eventId) } };
  }

  private produceWithin(events: TicketEvent[]) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ProduceTimeout(`no acknowledgement within ${this.config.PRODUCE_TIMEOUT_MS} ms`)),
        this.config.PRODUCE_TIMEOUT_MS,
      );
    });
    const send = this.runtime.producer.publish(
      this.topic,
      events.map((event) => ({ key: event.ticketId, value: event })),
    );
    send.catch(() => undefined); // a late failure after the timeout answered is already accounted for
    return Promise.race([send, timeout]).finally(() => clearTimeout(timer));
  }
}
