import type { TicketEvent } from '@ticketflow/contracts';
import { normalizeEventWebhook, normalizeTriggerWebhook, type CustomStatusCategories } from './normalize';
import { SIGNATURE_HEADER, SIGNATURE_TIMESTAMP_HEADER, verifyWebhookSignature } from './signature';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type WebhookKind = 'events' | 'trigger';

export type IntakeDecision =
  | { outcome: 'accept'; events: TicketEvent[] }
  | { outcome: 'ignore'; type: string }
  | { outcome: 'reject'; status: 400 | 401; reason: string; detail?: string };

export interface IntakeOptions {
  secrets: readonly string[];
  toleranceMs: number;
  categories?: CustomStatusCategories;
  now?: number;
}

/**
 * What to do with one webhook request, decided from its raw bytes and headers alone (pure): signature first,
 * over the exact bytes received, then JSON, then the Zendesk shape.
 */
export function decideWebhook(
  kind: WebhookKind,
  rawBody: Buffer,
  headers: Record<string, string | string[] | undefined>,
  options: IntakeOptions,
): IntakeDecision {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const signature = verifyWebhookSignature(
    rawBody,
    header(SIGNATURE_HEADER),
    header(SIGNATURE_TIMESTAMP_HEADER),
    options,
  );
  if (!signature.ok) return { outcome: 'reject', status: 401, reason: signature.reason };
  let body: unknown;
  try {
    // Strict: invalid UTF-8 is refused, not silently replaced in an email or subject.
    body = JSON.parse(utf8.decode(rawBody));
  } catch (error) {
    return { outcome: 'reject', status: 400, reason: 'invalid-json', detail: (error as Error).message };
  }
  const normalized =
    kind === 'events' ? normalizeEventWebhook(body, options.categories) : normalizeTriggerWebhook(body);
  switch (normalized.kind) {
    case 'events':
      return { outcome: 'accept', events: normalized.events };
    case 'ignored':
      return { outcome: 'ignore', type: normalized.type };
    case 'invalid':
      return { outcome: 'reject', status: 400, reason: 'invalid-payload', detail: normalized.reason };
  }
}
