import type {
  StatsAuditsPageFetched,
  StatsBatchEvent,
  StatsHourCompleted,
  StatsHourOpened,
  StatsHourReread,
  StatsHourRevised,
  StatsSolveFact,
  StatsTicketFact,
  StatsUserRole,
  StatsTicketsPageFetched,
  StatsUsersFetched,
} from '@ticketflow/contracts';
import type { StatsCommand } from './decide';
import { solveFactsOf, type RawTicketEvent } from './solves';
import { auditsCoverageUntil } from './streams';
import { ticketFactOf, type RawTicket } from './tickets';
import { isoOf } from './time';

type Command<K extends StatsCommand['kind']> = Extract<StatsCommand, { kind: K }>;

const base = (occurredAt: string) => ({
  schemaVersion: 1 as const,
  definitionVersion: 1 as const,
  occurredAt,
});

/** The Kafka key of a batch event: its stream, or its window (ordering holds per key). */
export function batchEventKey(event: StatsBatchEvent): string {
  switch (event.type) {
    case 'stats.audits.page-fetched':
      return 'audits';
    case 'stats.tickets.page-fetched':
      return 'tickets';
    default:
      return `hour:${event.windowStart}`;
  }
}

/** A fetched ticket-events page: its counters, and the solve facts of its items. */
export interface AuditsPage {
  count: number;
  end_time: number;
  end_of_stream: boolean;
  ticket_events: readonly RawTicketEvent[];
}

/** What the fetch knew about the request and the response besides the page. */
export interface FetchFacts {
  /** The HTTP Date header, unix seconds. */
  serverDate: number;
  bodySha256: string;
  bytes: number;
  attempts: number;
  occurredAt: string;
}

export function auditsPageFetched(
  command: Command<'fetch-audits'>,
  page: AuditsPage,
  perPage: number,
  fetch: FetchFacts,
): StatsAuditsPageFetched {
  return {
    ...base(fetch.occurredAt),
    type: 'stats.audits.page-fetched',
    eventId: `audits:${command.seq}`,
    seq: command.seq,
    request: { startTime: command.startTime },
    response: {
      count: page.count,
      endTime: page.end_time,
      endOfStream: page.end_of_stream,
      serverDate: fetch.serverDate,
    },
    items: page.ticket_events.length,
    perPage,
    bodySha256: fetch.bodySha256,
    bytes: fetch.bytes,
    attempts: fetch.attempts,
    settleSeconds: command.settleSeconds,
    coverageUntil: auditsCoverageUntil(
      page.end_time,
      page.end_of_stream,
      fetch.serverDate,
      command.settleSeconds,
    ),
    solves: solveFactsOf(page.ticket_events),
  };
}

/** A fetched page of the ticket cursor export. */
export interface TicketsPage {
  tickets: readonly RawTicket[];
  after_cursor: string;
  end_of_stream: boolean;
}

export function ticketsPageFetched(
  command: Command<'fetch-tickets'>,
  page: TicketsPage,
  fetch: Pick<FetchFacts, 'serverDate' | 'bodySha256' | 'occurredAt'>,
): StatsTicketsPageFetched {
  return {
    ...base(fetch.occurredAt),
    type: 'stats.tickets.page-fetched',
    eventId: `tickets:${command.seq}`,
    seq: command.seq,
    ...('cursor' in command ? { cursorIn: command.cursor } : { startTime: command.startTime }),
    cursorOut: page.after_cursor,
    endOfStream: page.end_of_stream,
    serverDate: fetch.serverDate,
    bodySha256: fetch.bodySha256,
    tickets: page.tickets.map(ticketFactOf),
  };
}

export function hourOpened(command: Command<'open-hour'>, occurredAt: string): StatsHourOpened {
  const windowStart = isoOf(command.windowStart);
  return {
    ...base(occurredAt),
    type: 'stats.hour.opened',
    eventId: `hour:${windowStart}:opened`,
    windowStart,
    windowEnd: isoOf(command.windowEnd),
    settleSeconds: command.settleSeconds,
  };
}

/** Every requested id gets a row: one users/show_many does not return is unknown to Zendesk (role null). */
export function usersFetched(
  command: Command<'fetch-roles'>,
  found: readonly { id: unknown; role: string }[],
  occurredAt: string,
): StatsUsersFetched {
  const windowStart = isoOf(command.windowStart);
  return {
    ...base(occurredAt),
    type: 'stats.users.fetched',
    eventId: `hour:${windowStart}:users`,
    windowStart,
    users: rolesOf(command.userIds, found),
  };
}

/** A row per requested id, in the order asked: an id users/show_many does not return has role null. */
export function rolesOf(userIds: readonly string[], found: readonly { id: unknown; role: string }[]) {
  const roles = new Map(found.map((user) => [String(user.id), user.role]));
  return userIds.map((id): StatsUserRole => ({ id, role: roles.get(id) ?? null }));
}

export function hourCompleted(command: Command<'finalize'>, occurredAt: string): StatsHourCompleted {
  const windowStart = isoOf(command.windowStart);
  return {
    ...base(occurredAt),
    type: 'stats.hour.completed',
    eventId: `hour:${windowStart}:completed:r${command.revision}`,
    windowStart,
    revision: command.revision,
    result: command.result,
    resultSha256: command.resultSha256,
    sources: command.sources,
  };
}

/** What the verification pass read of a stored window: its solves now, and the roles and tickets it lacked. */
export function hourReread(
  window: { windowStart: number; revision: number },
  read: {
    pages: number;
    solves: StatsSolveFact[];
    users: StatsUserRole[];
    tickets: StatsTicketFact[];
  },
  occurredAt: string,
): StatsHourReread {
  const windowStart = isoOf(window.windowStart);
  return {
    ...base(occurredAt),
    type: 'stats.hour.reread',
    eventId: `hour:${windowStart}:reread:r${window.revision}`,
    windowStart,
    revision: window.revision,
    ...read,
  };
}

export function hourRevised(command: Command<'revise'>, occurredAt: string): StatsHourRevised {
  const windowStart = isoOf(command.windowStart);
  return {
    ...base(occurredAt),
    type: 'stats.hour.revised',
    eventId: `hour:${windowStart}:revised:r${command.revision}`,
    windowStart,
    revision: command.revision,
    result: command.result,
    resultSha256: command.resultSha256,
    diff: command.diff,
  };
}
