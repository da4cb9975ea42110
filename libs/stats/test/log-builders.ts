// Builders for the specs of libs/stats, kept out of src and so out of the build: raw export items, and
// logs paged the way Zendesk pages them.
import { createHash } from 'node:crypto';
import type { StatsBatchEvent } from '@ticketflow/contracts';
import type { StatsConfig } from '../src/config';
import {
  auditsPageFetched,
  hourOpened,
  ticketsPageFetched,
  usersFetched,
  type AuditsPage,
} from '../src/events';
import type { RawChildEvent, RawTicketEvent } from '../src/solves';
import type { RawTicket } from '../src/tickets';
import { isoOf } from '../src/time';
import { mulberry32 } from '@ticketflow/zendesk-simulator';

/** 2027-01-15T08:00:00Z: aligned to hours, so to any window length dividing 3600. */
export const T0 = 1_800_000_000;
export const W = 60;
export const testConfig: StatsConfig = { windowSeconds: W, settleSeconds: 300, collectionStart: T0 };
/** Late enough for every window of the specs to be closed. */
export const LATER = T0 + 3600;

export type ChildForm = 'audits' | 'field';

/** A status child event in either form; `from` undefined leaves previous_value out (as Zendesk does on Create). */
export function statusChild(to: string, from: string | null | undefined, form: ChildForm): RawChildEvent {
  const event_type = from === null || from === undefined ? 'Create' : 'Change';
  const previous = from === undefined ? {} : { previous_value: from };
  return form === 'audits'
    ? { event_type, field_name: 'status', value: to, ...previous }
    : { event_type, status: to, ...previous };
}

export const comment = (): RawChildEvent => ({ event_type: 'Comment', body: 'thanks', public: true });
export const tagsChange = (): RawChildEvent => ({ event_type: 'Change', tags: ['vip'], previous_value: [] });

export function audit(
  id: number,
  ticketId: number,
  at: number,
  updater: number,
  children: RawChildEvent[],
): RawTicketEvent {
  return {
    id,
    ticket_id: ticketId,
    timestamp: at,
    created_at: isoOf(at),
    updater_id: updater,
    child_events: children,
  };
}

/** A status-change audit: `audit(id, ticket, at, updater, [statusChild(to, from, form)])`. */
export const statusAudit = (
  id: number,
  ticketId: number,
  at: number,
  updater: number,
  from: string | null,
  to: string,
  form: ChildForm = 'audits',
) => audit(id, ticketId, at, updater, [statusChild(to, from, form)]);

export const ticket = (id: number, createdAt: number | null, status = 'solved'): RawTicket => ({
  id,
  created_at: createdAt === null ? undefined : isoOf(createdAt).replace('.000Z', 'Z'),
  status,
});

export interface PagedAudits {
  startTime: number;
  perPage: number;
  page: AuditsPage;
}

/**
 * Pages of the ticket-events export from `startTime`, as Zendesk and the simulator serve them: at least `perPage`
 * items unless the stream ends, never ending inside a second (the next page starts at that second again, so its
 * items come twice), a page of one second only ending one second later. `perPage` cycles through its values. The
 * last page ends at `streamEnd`, or with null at its last item's second (as Zendesk may).
 */
export function pageAudits(
  items: readonly RawTicketEvent[],
  startTime: number,
  perPage: number | readonly number[],
  streamEnd: number | null,
): PagedAudits[] {
  const sorted = [...items].sort(
    (a, b) => (a.timestamp as number) - (b.timestamp as number) || (a.id as number) - (b.id as number),
  );
  const sizes = typeof perPage === 'number' ? [perPage] : perPage;
  const pages: PagedAudits[] = [];
  for (let start = startTime; ;) {
    const size = sizes[pages.length % sizes.length]!;
    const from = sorted.findIndex((item) => (item.timestamp as number) >= start);
    const first = from === -1 ? sorted.length : from;
    let cut = Math.min(first + size, sorted.length);
    if (cut < sorted.length) {
      const lastSecond = sorted[cut - 1]!.timestamp;
      while (cut < sorted.length && sorted[cut]!.timestamp === lastSecond) cut++;
    }
    const pageItems = sorted.slice(first, cut);
    const endOfStream = cut >= sorted.length;
    const last = pageItems.length ? (pageItems[pageItems.length - 1]!.timestamp as number) : start;
    const endTime = endOfStream ? Math.max(streamEnd ?? last, start) : last === start ? last + 1 : last;
    pages.push({
      startTime: start,
      perPage: size,
      page: {
        count: pageItems.length,
        end_time: endTime,
        end_of_stream: endOfStream,
        ticket_events: pageItems,
      },
    });
    if (endOfStream) return pages;
    start = endTime;
  }
}

export const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** The audits events of pages; `serverDate` is the end-of-stream page's Date header (earlier pages: 1 s apart). */
export function auditsEvents(pages: readonly PagedAudits[], serverDate: number) {
  return pages.map(({ startTime, perPage, page }, i) =>
    auditsPageFetched({ kind: 'fetch-audits', seq: i + 1, startTime, settleSeconds: 0 }, page, perPage, {
      serverDate: serverDate - (pages.length - 1 - i),
      bodySha256: sha256(page),
      bytes: JSON.stringify(page).length,
      attempts: 1,
      occurredAt: isoOf(serverDate - (pages.length - 1 - i)),
    }),
  );
}

/** The tickets events of pages of the cursor export from `startTime`; the last page ends the stream. */
export function ticketsEvents(
  pages: readonly (readonly RawTicket[])[],
  startTime: number,
  serverDate: number,
) {
  return pages.map((tickets, i) =>
    ticketsPageFetched(
      i === 0
        ? { kind: 'fetch-tickets', seq: 1, startTime }
        : { kind: 'fetch-tickets', seq: i + 1, cursor: `c${i}` },
      { tickets, after_cursor: `c${i + 1}`, end_of_stream: i === pages.length - 1 },
      {
        serverDate: serverDate - (pages.length - 1 - i),
        bodySha256: sha256(tickets),
        occurredAt: isoOf(serverDate),
      },
    ),
  );
}

/** `stats.hour.opened` and `stats.users.fetched` of a window; roles absent from `known` are unknown to Zendesk. */
export function hourEvents(
  windowStart: number,
  updaters: readonly string[],
  known: Readonly<Record<string, string>>,
  config: StatsConfig = testConfig,
): StatsBatchEvent[] {
  const at = isoOf(windowStart + config.windowSeconds + 61 + config.settleSeconds);
  const opened = hourOpened(
    {
      kind: 'open-hour',
      windowStart,
      windowEnd: windowStart + config.windowSeconds,
      settleSeconds: config.settleSeconds,
    },
    at,
  );
  const ids = updaters.filter((id) => id !== '-1');
  const found = ids.filter((id) => known[id] !== undefined).map((id) => ({ id, role: known[id]! }));
  return ids.length
    ? [opened, usersFetched({ kind: 'fetch-roles', windowStart, userIds: ids }, found, at)]
    : [opened];
}

/** A small deterministic PRNG (the simulator's mulberry32), for shuffles driven by a fast-check seed. */
export const random = (seed: number): (() => number) => mulberry32(seed);

export function shuffle<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
