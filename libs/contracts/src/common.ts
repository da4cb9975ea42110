import { z } from 'zod';

/** Zendesk ids exceed what some consumers hold exactly in a double; on our topics they are decimal strings. */
export const ZendeskId = z.string().regex(/^\d{1,20}$/, 'a Zendesk id: 1 to 20 decimal digits');

const EARLIEST = Date.parse('1970-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');
/** RFC 3339 with a zone, within years 1970–9999 in UTC: what Date, toISOString and Postgres timestamptz all hold. */
export const IsoTimestamp = z.iso.datetime({ offset: true }).refine((value) => {
  const at = Date.parse(value);
  return at >= EARLIEST && at <= LATEST;
}, 'a time between 1970 and 9999 (UTC)');

/** Text a consumer can store: Postgres text refuses NUL characters. */
// eslint-disable-next-line no-control-regex -- the NUL is what the pattern refuses (and documents in JSON Schema)
export const Text = z.string().regex(/^[^\u0000]*$/, 'no NUL characters');

/** The statuses Zendesk's REST API documents. */
export const KnownTicketStatus = z.enum(['new', 'open', 'pending', 'hold', 'solved', 'closed', 'deleted']);
/**
 * A documented status, or one Zendesk sends beyond them (event payloads carry `archived`, `scrubbed`; custom
 * labels in triggers), kept raw and lower-cased: an unfamiliar status must never lose the event.
 */
export const TicketStatus = z.union([
  KnownTicketStatus,
  z
    .string()
    .regex(/^[^\p{Lu}\p{Cc}]{1,64}$/u, 'a status: up to 64 characters, no upper-case or control ones'),
]);
export type TicketStatus = z.infer<typeof KnownTicketStatus> | (string & {});

/** Custom statuses belong to a category; closed tickets fall in the solved category (Zendesk rule). */
export const StatusCategory = z.enum(['new', 'open', 'pending', 'hold', 'solved']);
export type StatusCategory = z.infer<typeof StatusCategory>;

export const TicketPriority = z.enum(['low', 'normal', 'high', 'urgent']);
export const TicketType = z.enum(['problem', 'incident', 'question', 'task']);

/** Every category but solved; the four unsolved statuses bear the same names. */
const UNSOLVED = StatusCategory.exclude(['solved']).options;
/** Unsolved categories: what "open ticket" means for enrichment and alerting. */
export const OPEN_STATUS_CATEGORIES: ReadonlySet<StatusCategory> = new Set(UNSOLVED);
/**
 * Unsolved statuses (new, open, pending, hold): the statuses a solve starts from (Definition v1 §2 item 2).
 * Not solved (custom solved statuses keep the field), closed, nor deleted (an undelete).
 */
export const UNSOLVED_STATUSES: ReadonlySet<TicketStatus> = new Set(UNSOLVED);

export function statusCategoryOf(status: TicketStatus): StatusCategory | null {
  if (status === 'deleted' || status === 'scrubbed') return null; // scrubbed: what a permanent delete leaves
  if (status === 'closed' || status === 'archived') return 'solved'; // Zendesk archives only closed tickets
  const category = StatusCategory.safeParse(status);
  // Unknown: counted open, so a status Zendesk adds can never hide a live ticket; reconciliation corrects it.
  return category.success ? category.data : 'open';
}
