import {
  StatsBatchEvent,
  StatsHourCompleted,
  StatsHourOpened,
  StatsTicketsPageFetched,
  StatsUsersFetched,
} from '@ticketflow/contracts';
import { resultSha256 } from './canonical';
import { computeHourlyStats } from './compute';
import { batchEventKey, hourCompleted, hourOpened, ticketsPageFetched, usersFetched } from './events';
import { T0, W, auditsEvents, pageAudits, statusAudit, ticket } from '../test/log-builders';

const at = '2027-01-15T08:10:00.000Z';
const opened = hourOpened({ kind: 'open-hour', windowStart: T0, windowEnd: T0 + W, settleSeconds: 300 }, at);
const result = computeHourlyStats({ solves: [], createdAt: new Map(), roles: new Map() }, T0, W);
const completed = hourCompleted(
  {
    kind: 'finalize',
    windowStart: T0,
    revision: 1,
    result,
    resultSha256: resultSha256(result),
    sources: { auditsSeq: [1, 1], ticketsSeq: [1, 2] },
  },
  at,
);

describe('batch events (stats.batch-events.v1)', () => {
  it('builds events the contract accepts, with deterministic ids and keys', () => {
    const [audits] = auditsEvents(
      pageAudits([statusAudit(1, 2, T0 + 1, 9, 'open', 'solved')], T0, 10, T0 + 5),
      T0 + 100,
    );
    const tickets = ticketsPageFetched(
      { kind: 'fetch-tickets', seq: 2, cursor: 'c1' },
      { tickets: [ticket(2, T0)], after_cursor: 'c2', end_of_stream: true },
      {
        serverDate: T0 + 100,
        bodySha256: 'a'.repeat(64),
        occurredAt: at,
      },
    );
    const users = usersFetched(
      { kind: 'fetch-roles', windowStart: T0, userIds: ['9', '77'] },
      [{ id: '9', role: 'agent' }],
      at,
    );
    const events = [audits!, tickets, opened, users, completed];
    for (const event of events) expect(StatsBatchEvent.parse(event)).toEqual(event);
    expect(events.map((e) => e.eventId)).toEqual([
      'audits:1',
      'tickets:2',
      'hour:2027-01-15T08:00:00.000Z:opened',
      'hour:2027-01-15T08:00:00.000Z:users',
      'hour:2027-01-15T08:00:00.000Z:completed:r1',
    ]);
    expect(events.map(batchEventKey)).toEqual([
      'audits',
      'tickets',
      ...Array(3).fill('hour:2027-01-15T08:00:00.000Z'),
    ]);
    expect(users.users).toEqual([
      { id: '9', role: 'agent' },
      { id: '77', role: null }, // show_many did not return it: unknown, and recorded so
    ]);
    expect(audits!.solves).toEqual([
      { auditId: '1', ticketId: '2', at: T0 + 1, updaterId: '9', from: 'open' },
    ]);
  });

  it.each([
    [
      'an eventId its content does not determine',
      StatsHourOpened,
      { ...opened, eventId: 'hour:x:opened' },
      /eventId/,
    ],
    [
      'a window start not printed as toISOString',
      StatsHourOpened,
      { ...opened, windowStart: '2027-01-15T08:00:00Z', eventId: 'hour:2027-01-15T08:00:00Z:opened' },
      /windowStart/,
    ],
    ['another definition version', StatsHourOpened, { ...opened, definitionVersion: 2 }, /definitionVersion/],
    [
      'a result of another window',
      StatsHourCompleted,
      { ...completed, result: { ...result, windowStart: '2027-01-15T09:00:00.000Z' } },
      /result/,
    ],
    ['a revision its id does not carry', StatsHourCompleted, { ...completed, revision: 2 }, /eventId/],
    [
      'a role row with a numeric id',
      StatsUsersFetched,
      {
        ...usersFetched({ kind: 'fetch-roles', windowStart: T0, userIds: [] }, [], at),
        users: [{ id: 9, role: 'agent' }],
      },
      /users/,
    ],
    [
      'a tickets page with both a cursor and a start_time',
      StatsTicketsPageFetched,
      ticketsPageFetched(
        { kind: 'fetch-tickets', seq: 1, startTime: T0 },
        { tickets: [], after_cursor: 'c1', end_of_stream: true },
        { serverDate: T0, bodySha256: 'a'.repeat(64), occurredAt: at },
      ),
      /cursorIn/,
    ],
  ])('rejects %s', (_name, schema, value, path) => {
    const withBoth = schema === StatsTicketsPageFetched ? { ...(value as object), cursorIn: 'c0' } : value;
    const parsed = schema.safeParse(withBoth);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues.map((i) => i.path))).toMatch(path);
  });
});
