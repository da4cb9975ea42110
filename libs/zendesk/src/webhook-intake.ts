import type { TicketEvent } from '@ticketflow/contracts';
import {
  normalizeEventWebhook,
  normalizeTriggerWebhook,
  type CustomStatusCategories,
  type IgnoredTypeLabel,
} from './normalize';
import {
  SIGNATURE_HEADER,
  SIGNATURE_TIMESTAMP_HEADER,
  checkSignatureHeaders,
  verifyWebhookSignature,
} from './signature';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type WebhookKind = 'events' | 'trigger';

export type IntakeDecision =
  | { outcome: 'accept'; events: TicketEvent[] }
  /** `type` cut to a bounded length; `label` from a closed set (IGNORED_TYPE_LABELS), for metrics. */
  | { outcome: 'ignore'; type: string; label: IgnoredTypeLabel }
  | { outcome: 'reject'; status: 400 | 401; reason: string; detail?: string };

export interface IntakeOptions {
  secrets: readonly string[];
  toleranceMs: number;
  categories?: CustomStatusCategories;
  /** Ticket times later than now + this are refused (400 future-timestamp); default 1 h. */
  futureToleranceMs?: number;
  now?: number;
}

type Headers = Record<string, string | string[] | undefined>;
const headerOf = (headers: Headers, name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * The refusal decided from the headers alone, before the body is read (null: read it): a request without a
 * signature, or signed outside the tolerance, is a 401 whatever its size.
 */
export function decideWebhookHeaders(
  headers: Headers,
  options: Pick<IntakeOptions, 'toleranceMs' | 'now'>,
): Extract<IntakeDecision, { outcome: 'reject' }> | null {
  const check = checkSignatureHeaders(
    headerOf(headers, SIGNATURE_HEADER),
    headerOf(headers, SIGNATURE_TIMESTAMP_HEADER),
    options,
  );
  return check.ok ? null : { outcome: 'reject', status: 401, reason: check.reason };
}

/**
 * What to do with one webhook request, decided from its raw bytes and headers alone (pure, given `now`):
 * signature first, over the exact bytes received, then JSON, then the Zendesk shape and the topic's contract,
 * then ticket times against now + `futureToleranceMs`.
 */
export function decideWebhook(
  kind: WebhookKind,
  rawBody: Buffer,
  headers: Headers,
  options: IntakeOptions,
): IntakeDecision {
  const signature = verifyWebhookSignature(
    rawBody,
    headerOf(headers, SIGNATURE_HEADER),
    headerOf(headers, SIGNATURE_TIMESTAMP_HEADER),
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
  const normalizeOptions = {
    categories: options.categories,
    now: options.now ?? Date.now(),
    futureToleranceMs: options.futureToleranceMs,
  };
  const normalized =
    kind === 'events'
      ? normalizeEventWebhook(body, normalizeOptions)
      : normalizeTriggerWebhook(body, normalizeOptions);
  switch (normalized.kind) {
    case 'events':
      return { outcome: 'accept', events: normalized.events };
    case 'ignored':
      return { outcome: 'ignore', type: normalized.type, label: normalized.label };
    case 'invalid':
      return {
        outcome: 'reject',
        status: 400,
        reason: normalized.code ?? 'invalid-payload',
        detail: normalized.reason,
      };
  }
}
