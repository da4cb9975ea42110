import { randomUUID } from 'node:crypto';
import {
  RECOMMENDED_TRIGGER_BODY,
  SIGNATURE_HEADER,
  SIGNATURE_TIMESTAMP_HEADER,
  signWebhook,
} from '@ticketflow/zendesk';
import { ORDER_NUMBER_FIELD, PRODUCT_AREA_FIELD } from './directory';
import { mulberry32, type Rng } from './random';
import { SIMULATOR_ACCOUNT_ID, eventWebhooks, renderTriggerTemplate } from './webhook-payloads';
import type { TicketUpdate, World } from './world';

export interface WebhookTarget {
  /** Webhook id as Zendesk shows it (ULID-like). */
  id: string;
  endpoint: string;
  signingSecret: string;
  /** `events`: one POST per zen:event-type:ticket.* event; `trigger`: one request per update from a body template. */
  mode: 'events' | 'trigger';
  /** For `trigger` mode: the JSON body with {{placeholders}}. */
  bodyTemplate?: string;
}

/** Delivery faults as Zendesk shows them; probabilities per delivery. */
export interface DeliveryFaults {
  duplicateRate: number;
  /** Fraction of deliveries held back by a random delay up to reorderWindowMs, so later ones overtake them. */
  reorderRate: number;
  reorderWindowMs: number;
  dropRate: number;
  /** Zendesk's request timeout. */
  timeoutMs: number;
}

export const NO_DELIVERY_FAULTS: DeliveryFaults = {
  duplicateRate: 0,
  reorderRate: 0,
  reorderWindowMs: 0,
  dropRate: 0,
  timeoutMs: 12_000,
};

export interface DeliveryAttempt {
  at: string;
  status: number | 'timeout' | 'network-error';
}

export interface DeliveryRecord {
  invocationId: string;
  targetId: string;
  /** Zendesk event id (event mode) or null (trigger mode: no id). */
  eventId: string | null;
  eventType: string;
  ticketId: number;
  sequenceId: string;
  body: string;
  copy: number;
  attempts: DeliveryAttempt[];
  outcome: 'pending' | 'delivered' | 'failed' | 'dropped';
}

/** The trigger body Ticketflow recommends (README), with this account's custom fields, as an admin would paste it. */
export const DEFAULT_TRIGGER_TEMPLATE = JSON.stringify({
  ...RECOMMENDED_TRIGGER_BODY,
  custom_fields: Object.fromEntries(
    [PRODUCT_AREA_FIELD.id, ORDER_NUMBER_FIELD.id].map((id) => [id, `{{ticket.ticket_field_${id}}}`]),
  ),
});

/**
 * Sends a world's ticket updates as Zendesk webhooks: signed, with Zendesk's retry rules (409 up to 3 retries;
 * 429/503 only with Retry-After under 60 s; timeouts up to 5 retries; nothing else retried) and injected
 * delivery faults. Keeps a log of every delivery for tests to compare with what the receiver kept.
 */
export class WebhookSender {
  readonly deliveries: DeliveryRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly rng: Rng;
  private readonly unsubscribe: () => void;
  faults: DeliveryFaults;

  constructor(
    private readonly world: World,
    readonly targets: WebhookTarget[],
    options: {
      faults?: Partial<DeliveryFaults>;
      seed?: number;
      retryDelayMs?: number;
      /** Requests in flight at once (Zendesk delivers through a pool of workers); the rest wait their turn. */
      concurrency?: number;
    } = {},
  ) {
    this.concurrency = options.concurrency ?? 256;
    this.faults = { ...NO_DELIVERY_FAULTS, ...options.faults };
    this.rng = mulberry32(options.seed ?? 7);
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.unsubscribe = world.onUpdate((update) => this.send(update));
  }

  private readonly retryDelayMs: number;
  private readonly concurrency: number;
  private active = 0;
  private readonly queued: (() => void)[] = [];

  /** One HTTP request at a time per pool slot: a load beyond what the receiver answers queues here, not in sockets. */
  private async withSlot<T>(request: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.queued.push(resolve));
    else this.active++;
    try {
      return await request();
    } finally {
      const next = this.queued.shift();
      if (next) next();
      else this.active--;
    }
  }

  close() {
    this.unsubscribe();
  }

  /** Resolves when every scheduled delivery (with retries) has finished. */
  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private send(update: TicketUpdate) {
    for (const target of this.targets) {
      const bodies =
        target.mode === 'events'
          ? eventWebhooks(update, this.world).map((envelope) => ({
              eventId: envelope.id,
              eventType: envelope.type,
              body: JSON.stringify(envelope),
            }))
          : [
              {
                eventId: null,
                eventType: 'trigger',
                body: renderTriggerTemplate(
                  target.bodyTemplate ?? DEFAULT_TRIGGER_TEMPLATE,
                  update.after,
                  this.world,
                ),
              },
            ];
      for (const { eventId, eventType, body } of bodies) {
        const copies = this.rng() < this.faults.duplicateRate ? 2 : 1;
        for (let copy = 1; copy <= copies; copy++) {
          const record: DeliveryRecord = {
            invocationId: randomUUID(),
            targetId: target.id,
            eventId,
            eventType,
            ticketId: update.ticketId,
            sequenceId: update.sequenceId,
            body,
            copy,
            attempts: [],
            outcome: 'pending',
          };
          this.deliveries.push(record);
          if (this.rng() < this.faults.dropRate) {
            record.outcome = 'dropped';
            continue;
          }
          const delay =
            this.rng() < this.faults.reorderRate ? Math.round(this.rng() * this.faults.reorderWindowMs) : 0;
          this.track(this.deliver(target, record, delay));
        }
      }
    }
  }

  private track(promise: Promise<void>) {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private async deliver(target: WebhookTarget, record: DeliveryRecord, initialDelayMs: number) {
    if (initialDelayMs) await sleep(initialDelayMs);
    let conflicts = 0;
    let timeouts = 0;
    for (;;) {
      let status: DeliveryAttempt['status'];
      let retryAfter: number | null = null;
      try {
        ({ status, retryAfter } = await this.withSlot(async () => {
          // Signed when sent, as Zendesk signs each attempt.
          const timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
          const response = await fetch(target.endpoint, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'user-agent': 'Zendesk Webhook',
              'x-zendesk-account-id': String(SIMULATOR_ACCOUNT_ID),
              'x-zendesk-webhook-id': target.id,
              'x-zendesk-webhook-invocation-id': record.invocationId,
              [SIGNATURE_HEADER]: signWebhook(target.signingSecret, timestamp, record.body),
              [SIGNATURE_TIMESTAMP_HEADER]: timestamp,
            },
            body: record.body,
            signal: AbortSignal.timeout(this.faults.timeoutMs),
          });
          const header = response.headers.get('retry-after');
          await response.arrayBuffer();
          return { status: response.status, retryAfter: header === null ? null : Number(header) };
        }));
      } catch (error) {
        status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network-error';
      }
      record.attempts.push({ at: new Date().toISOString(), status });
      if (typeof status === 'number' && status >= 200 && status < 300) {
        record.outcome = 'delivered';
        return;
      }
      let wait: number | null = null;
      if (status === 409 && ++conflicts <= 3) wait = this.retryDelayMs;
      else if ((status === 429 || status === 503) && retryAfter !== null && retryAfter < 60)
        wait = retryAfter * 1000;
      else if ((status === 'timeout' || status === 'network-error') && ++timeouts <= 5)
        wait = this.retryDelayMs;
      if (wait === null) {
        record.outcome = 'failed';
        return;
      }
      await sleep(wait);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
