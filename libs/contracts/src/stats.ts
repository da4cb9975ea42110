import { z } from 'zod';
import { IsoTimestamp, TicketStatus, ZendeskId } from './common';

/** Whole seconds; sums of them stay exact in a double far beyond any hour's solves. */
const Seconds = z.number().int().nonnegative();

export const AgentHourFigures = z
  .object({
    agentId: ZendeskId,
    solvedCount: z.number().int().positive(),
    resolutionSecondsSum: Seconds,
  })
  .meta({
    id: 'AgentHourFigures',
    description: "One agent's solves in the window and their resolution seconds.",
  });

/**
 * The statistics of one window, definition version 1 (docs: hourly statistics): solve events (an audit moving a
 * ticket from new/open/pending/hold, or from nothing, to solved) whose timestamp falls in [windowStart,
 * windowEnd); resolution = solve timestamp − ticket created_at, in whole seconds; the solver is the solving
 * audit's updater when that user is an agent or admin, otherwise the solve is unattributed.
 */
export const HourlyStatsResult = z
  .object({
    definitionVersion: z.literal(1),
    windowStart: IsoTimestamp,
    windowEnd: IsoTimestamp,
    windowSeconds: z.number().int().positive(),
    solvedCount: z.number().int().nonnegative(),
    resolutionSecondsSum: Seconds,
    averageResolutionSeconds: z
      .number()
      .nonnegative()
      .nullable()
      .describe('sum / count; null without solves'),
    medianResolutionSeconds: z.number().nonnegative().nullable(),
    unattributedSolves: z.number().int().nonnegative(),
    agents: z.array(AgentHourFigures).describe('attributed agents, by ascending numeric id'),
    mostEfficientAgentId: ZendeskId.nullable().describe(
      'most solves; tie: lower average (exact cross-multiplication); tie: lowest id',
    ),
    fastestAgentId: ZendeskId.nullable().describe(
      'lowest average among agents with at least 3 solves; tie: more solves; tie: lowest id',
    ),
  })
  .meta({ id: 'HourlyStatsResult', description: 'Zendesk statistics of one closed window (definition v1).' });
export type HourlyStatsResult = z.infer<typeof HourlyStatsResult>;
export type AgentHourFigures = z.infer<typeof AgentHourFigures>;

/** Agents need this many solves in a window to be the fastest one. */
export const MIN_SOLVES_FOR_FASTEST = 3;

// Batch-log events of the stats collector (topic stats.batch-events.v1, docs: hourly statistics §4.2).

/** Unix seconds: what Zendesk's exports use for `timestamp`, `start_time` and `end_time`. */
const UnixSeconds = z.number().int().nonnegative().describe('unix seconds (UTC)');
/** Position of a page in its stream, from 1; a page that is not the last one + 1 breaks the stream. */
const Seq = z.number().int().positive();
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest in lower-case hex');
/** The updater of an audit: a user id, or -1, Zendesk's system user. */
const UpdaterId = z.string().regex(/^(-1|\d{1,20})$/, 'a Zendesk user id, or -1 for the system user');
/** A window start as `Date.toISOString` prints it, so the event ids and Kafka keys built from it are unique. */
const WindowStart = IsoTimestamp.refine(
  (value) => new Date(value).toISOString() === value && Date.parse(value) % 1000 === 0,
  'a window start in whole seconds, printed as Date.toISOString does (YYYY-MM-DDTHH:MM:SS.000Z)',
);

const batchEventBase = {
  schemaVersion: z.literal(1),
  definitionVersion: z.literal(1),
  occurredAt: IsoTimestamp,
};

/** The event id is the one its content determines: a replay dedupes on it. */
const eventIdMismatch = { message: 'eventId is not the one the event determines', path: ['eventId'] };

export const StatsSolveFact = z
  .object({
    auditId: ZendeskId,
    ticketId: ZendeskId,
    at: UnixSeconds.describe("the audit's timestamp, unix seconds"),
    updaterId: UpdaterId,
    from: TicketStatus.nullable().describe(
      'the status before the solve; null when the ticket was created solved',
    ),
  })
  .meta({
    id: 'StatsSolveFact',
    description:
      'An audit that moved a ticket to solved from new, open, pending, hold or from nothing (creation).',
  });
export type StatsSolveFact = z.infer<typeof StatsSolveFact>;

export const StatsAuditsPageFetched = z
  .object({
    ...batchEventBase,
    type: z.literal('stats.audits.page-fetched'),
    eventId: z.string().regex(/^audits:\d+$/),
    seq: Seq,
    request: z.object({ startTime: UnixSeconds }),
    response: z.object({
      count: z.number().int().nonnegative().describe("the page's own count field"),
      endTime: UnixSeconds,
      endOfStream: z.boolean(),
      serverDate: UnixSeconds.describe("the HTTP Date header: the server's clock, not ours"),
    }),
    items: z
      .number()
      .int()
      .nonnegative()
      .describe('items in the body; a count that differs breaks the stream'),
    perPage: z.number().int().positive(),
    bodySha256: Sha256.describe('of the raw body bytes'),
    bytes: z.number().int().nonnegative(),
    attempts: z.number().int().positive(),
    settleSeconds: z
      .number()
      .int()
      .nonnegative()
      .describe(
        'how late Zendesk may show a record: nothing younger than serverDate − 61 s − this is proven',
      ),
    coverageUntil: UnixSeconds.describe(
      'every audit before this second was returned: endTime (serverDate − 61 s at the end of the stream), at most serverDate − 61 s − settleSeconds',
    ),
    solves: z.array(StatsSolveFact).describe('only the solve events of the page'),
  })
  .refine((event) => event.eventId === `audits:${event.seq}`, eventIdMismatch)
  .meta({
    id: 'StatsAuditsPageFetched',
    description: 'One page of the ticket-events export walk (stream A): its counters and solve facts.',
  });
export type StatsAuditsPageFetched = z.infer<typeof StatsAuditsPageFetched>;

export const StatsTicketFact = z
  .object({
    id: ZendeskId,
    createdAt: UnixSeconds.nullable().describe(
      'created_at truncated to seconds; null when the export lacks it',
    ),
    status: TicketStatus,
  })
  .meta({ id: 'StatsTicketFact', description: 'What the statistics need of a ticket in the ticket export.' });
export type StatsTicketFact = z.infer<typeof StatsTicketFact>;

export const StatsTicketsPageFetched = z
  .object({
    ...batchEventBase,
    type: z.literal('stats.tickets.page-fetched'),
    eventId: z.string().regex(/^tickets:\d+$/),
    seq: Seq,
    cursorIn: z
      .string()
      .min(1)
      .optional()
      .describe('the cursor the page was asked with (every page but the first)'),
    startTime: UnixSeconds.optional().describe('the start_time the first page was asked with'),
    cursorOut: z.string().min(1).describe("the page's after_cursor, where the next page starts"),
    endOfStream: z.boolean(),
    serverDate: UnixSeconds.describe("the HTTP Date header: the server's clock, not ours"),
    bodySha256: Sha256.describe('of the raw body bytes'),
    tickets: z.array(StatsTicketFact),
  })
  .refine((event) => event.eventId === `tickets:${event.seq}`, eventIdMismatch)
  .refine((event) => (event.cursorIn === undefined) !== (event.startTime === undefined), {
    message: 'exactly one of cursorIn and startTime',
    path: ['cursorIn'],
  })
  .meta({
    id: 'StatsTicketsPageFetched',
    description: 'One page of the ticket cursor export walk (stream T), deleted tickets included.',
  });
export type StatsTicketsPageFetched = z.infer<typeof StatsTicketsPageFetched>;

const hourEventId = (windowStart: string, suffix: string) => `hour:${windowStart}:${suffix}`;
/** `hour:<windowStart>:<suffix>`; the refinements below tie it to the event's own fields. */
const HourEventId = (suffix: string) =>
  z.string().regex(new RegExp(`^hour:\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.000Z:${suffix}$`));
/** The refinement of an event whose id names its window and revision: `hour:<windowStart>:<kind>:r<revision>`. */
const namesItsRevision = (kind: string) =>
  [
    (event: { eventId: string; windowStart: string; revision: number }) =>
      event.eventId === hourEventId(event.windowStart, `${kind}:r${event.revision}`),
    eventIdMismatch,
  ] as const;
/** The refinement of an event carrying a window's result: the result is of that window. */
const resultOfItsWindow = [
  (event: { windowStart: string; result: { windowStart: string } }) =>
    event.result.windowStart === event.windowStart,
  { message: 'the result is of another window', path: ['result', 'windowStart'] as PropertyKey[] },
] as const;

export const StatsHourOpened = z
  .object({
    ...batchEventBase,
    type: z.literal('stats.hour.opened'),
    eventId: HourEventId('opened'),
    windowStart: WindowStart,
    windowEnd: IsoTimestamp,
    settleSeconds: z.number().int().nonnegative(),
  })
  .refine((event) => event.eventId === hourEventId(event.windowStart, 'opened'), eventIdMismatch)
  .meta({ id: 'StatsHourOpened', description: 'The batch of a closed window starts.' });
export type StatsHourOpened = z.infer<typeof StatsHourOpened>;

export const StatsUserRole = z
  .object({
    id: ZendeskId,
    role: z
      .string()
      .min(1)
      .nullable()
      .describe('end-user, agent or admin as Zendesk says; null when Zendesk does not know the id'),
  })
  .meta({ id: 'StatsUserRole', description: "An updater's role, read once for the window." });
export type StatsUserRole = z.infer<typeof StatsUserRole>;

export const StatsUsersFetched = z
  .object({
    ...batchEventBase,
    type: z.literal('stats.users.fetched'),
    eventId: HourEventId('users'),
    windowStart: WindowStart,
    users: z.array(StatsUserRole).describe('every updater id of the window, known to Zendesk or not'),
  })
  .refine((event) => event.eventId === hourEventId(event.windowStart, 'users'), eventIdMismatch)
  .meta({ id: 'StatsUsersFetched', description: "The roles of a window's updaters (users/show_many)." });
export type StatsUsersFetched = z.infer<typeof StatsUsersFetched>;

const SeqRange = z.tuple([Seq, Seq]).describe('[first, last] page seq');

export const StatsHourCompleted = z
  .object({
    ...batchEventBase,
    type: z.literal('stats.hour.completed'),
    eventId: HourEventId('completed:r\\d+'),
    windowStart: WindowStart,
    revision: z.number().int().positive(),
    result: HourlyStatsResult,
    resultSha256: Sha256.describe("SHA-256 of the result's canonical JSON (sorted keys)"),
    sources: z.object({ auditsSeq: SeqRange, ticketsSeq: SeqRange }),
  })
  .refine(...namesItsRevision('completed'))
  .refine(...resultOfItsWindow)
  .meta({
    id: 'StatsHourCompleted',
    description: 'A closed window whose batch is complete, and its statistics.',
  });
export type StatsHourCompleted = z.infer<typeof StatsHourCompleted>;

export const StatsHourRevised = z
  .object({
    ...batchEventBase,
    type: z.literal('stats.hour.revised'),
    eventId: HourEventId('revised:r\\d+'),
    windowStart: WindowStart,
    revision: z.number().int().min(2),
    result: HourlyStatsResult,
    resultSha256: Sha256.describe("SHA-256 of the result's canonical JSON (sorted keys)"),
    diff: z.object({
      previousRevision: z.number().int().positive(),
      previousResultSha256: Sha256,
      changedFields: z.array(z.string()).describe('result fields whose values differ'),
      addedSolves: z
        .array(StatsSolveFact)
        .describe('solves the re-read shows and the stored revision lacked'),
      removedSolves: z
        .array(StatsSolveFact)
        .describe('stored solves the re-read no longer shows; they still count (a solve counts forever)'),
    }),
  })
  .refine(...namesItsRevision('revised'))
  .refine(...resultOfItsWindow)
  .meta({
    id: 'StatsHourRevised',
    description: 'The 24 h verification pass re-read a completed window and found other facts.',
  });
export type StatsHourRevised = z.infer<typeof StatsHourRevised>;

export const StatsHourReread = z
  .object({
    ...batchEventBase,
    type: z.literal('stats.hour.reread'),
    eventId: HourEventId('reread:r\\d+'),
    windowStart: WindowStart,
    revision: z.number().int().positive().describe('the stored revision this re-read verifies'),
    pages: z.number().int().positive().describe('ticket-events pages read from the window start'),
    solves: z.array(StatsSolveFact).describe('every solve of the window the export shows now'),
    users: z.array(StatsUserRole).describe('roles read for updaters the batch had not seen'),
    tickets: z.array(StatsTicketFact).describe('tickets (tickets/show_many) the log had no created_at for'),
  })
  .refine(...namesItsRevision('reread'))
  .meta({
    id: 'StatsHourReread',
    description:
      "The verification pass read a stored window's solves again, a day later; a different result follows as stats.hour.revised.",
  });
export type StatsHourReread = z.infer<typeof StatsHourReread>;

export const StatsBatchEvent = z
  .discriminatedUnion('type', [
    StatsAuditsPageFetched,
    StatsTicketsPageFetched,
    StatsHourOpened,
    StatsUsersFetched,
    StatsHourCompleted,
    StatsHourReread,
    StatsHourRevised,
  ])
  .meta({ id: 'StatsBatchEvent' });
export type StatsBatchEvent = z.infer<typeof StatsBatchEvent>;

/** One completed window as other services read it (`stats.hourly.v1`, compacted per window). */
export const StatsHourly = z
  .object({
    schemaVersion: z.literal(1),
    type: z.literal('stats.hourly'),
    eventId: z.string().min(1).describe('hour:<windowStart>:r<revision>'),
    revision: z.number().int().positive().describe('1; higher only after a logged revision'),
    resultSha256: Sha256.describe('SHA-256 of the result as canonical JSON (RFC 8785 order)'),
    completedAt: IsoTimestamp,
    result: HourlyStatsResult,
  })
  .refine(
    (event) => event.eventId === hourEventId(event.result.windowStart, `r${event.revision}`),
    eventIdMismatch,
  )
  .meta({
    id: 'StatsHourly',
    description: 'The statistics of one closed window, stored only once complete.',
  });
export type StatsHourly = z.infer<typeof StatsHourly>;
