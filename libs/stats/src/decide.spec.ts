import { StatsBatchEvent } from '@ticketflow/contracts';
import { resultSha256 } from './canonical';
import { closesAt } from './completion';
import { computeHourlyStats } from './compute';
import type { StatsConfig } from './config';
import { decide, type StatsCommand } from './decide';
import {
  auditsPageFetched,
  hourCompleted,
  hourOpened,
  hourReread,
  hourRevised,
  rolesOf,
  ticketsPageFetched,
  usersFetched,
} from './events';
import { evolve, foldStatsLog } from './evolve';
import { solveFactsOf, type RawTicketEvent } from './solves';
import { T0, W, pageAudits, sha256, statusAudit, testConfig, ticket } from '../test/log-builders';
import { initialStatsState, type StatsState } from './state';
import type { RawTicket } from './tickets';
import { isoOf } from './time';

const CLOSED = closesAt(T0, testConfig); // T0 + 60 + 61 + 300

/** A Zendesk in memory: the exports hide the last minute, as the real ones do. */
class FakeZendesk {
  requests: { command: StatsCommand; now: number }[] = [];
  constructor(
    private readonly items: RawTicketEvent[],
    private readonly tickets: (RawTicket & { created: number })[],
    private readonly roles: Record<string, string>,
    private readonly perPage = 3,
    /** Seconds after which a change shows in the export (Zendesk showing some records late). */
    private readonly lag = 0,
  ) {}

  /** A command's events: one, or a re-read per window for `verify`. */
  serveAll(command: StatsCommand, now: number): StatsBatchEvent[] {
    if (command.kind !== 'verify') return [this.serve(command, now)];
    this.requests.push({ command, now });
    // Everything visible now, each window whole (the fake's walk covers them all in one page).
    const visible = solveFactsOf(
      this.items.filter((item) => (item.timestamp as number) <= now - Math.max(60, this.lag)),
    );
    return command.windows.map((window) => {
      const solves = visible.filter(
        (solve) => solve.at >= window.windowStart && solve.at < window.windowStart + W,
      );
      const ids = [...new Set(solves.map((solve) => solve.updaterId))].filter((id) => id !== '-1');
      const users = rolesOf(
        ids,
        ids.filter((id) => this.roles[id]).map((id) => ({ id, role: this.roles[id]! })),
      );
      return hourReread(window, { pages: 1, solves, users, tickets: [] }, isoOf(now));
    });
  }

  /** Applies a command the way the collector will: one request, one event. */
  serve(command: StatsCommand, now: number): StatsBatchEvent {
    this.requests.push({ command, now });
    const occurredAt = isoOf(now);
    switch (command.kind) {
      case 'fetch-audits': {
        if (command.startTime > now - 60) throw new Error(`400: start_time ${command.startTime} at ${now}`);
        const visible = this.items.filter(
          (item) => (item.timestamp as number) <= now - Math.max(60, this.lag),
        );
        const [first] = pageAudits(visible, command.startTime, this.perPage, now - 59);
        const fetch = { serverDate: now, bodySha256: sha256(first!.page), bytes: 1, attempts: 1, occurredAt };
        return auditsPageFetched(command, first!.page, this.perPage, fetch);
      }
      case 'fetch-tickets': {
        const visible = this.tickets.filter((t) => t.created <= now - 60);
        const from = 'cursor' in command ? Number(command.cursor) : 0;
        const page = visible.slice(from, from + 2);
        const body = {
          tickets: page,
          after_cursor: String(from + page.length),
          end_of_stream: from + 2 >= visible.length,
        };
        return ticketsPageFetched(command, body, { serverDate: now, bodySha256: sha256(body), occurredAt });
      }
      case 'open-hour':
        return hourOpened(command, occurredAt);
      case 'fetch-roles': {
        const found = command.userIds
          .filter((id) => this.roles[id])
          .map((id) => ({ id, role: this.roles[id]! }));
        return usersFetched(command, found, occurredAt);
      }
      case 'finalize':
        return hourCompleted(command, occurredAt);
      case 'revise':
        return hourRevised(command, occurredAt);
      default:
        throw new Error(`not a request: ${command.kind}`);
    }
  }
}

const TICKETS = [101, 102, 103, 104].map((id, i) => ({
  ...ticket(id, T0 - 100 * (i + 1)),
  created: T0 - 100 * (i + 1),
}));
const ITEMS = [
  statusAudit(1, 101, T0 + 5, 9, 'open', 'solved'),
  statusAudit(2, 102, T0 + 20, -1, 'pending', 'solved'),
  statusAudit(3, 103, T0 + 30, 10, 'new', 'solved'),
];

/** Runs decide → serve → evolve until decide waits or halts; returns the state and the commands. */
function tick(state: StatsState, now: number, zendesk: FakeZendesk, config: StatsConfig = testConfig) {
  const commands: StatsCommand[] = [];
  const events: StatsBatchEvent[] = [];
  for (let i = 0; i < 1000; i++) {
    const command = decide(state, now, config);
    commands.push(command);
    if (command.kind === 'wait' || command.kind === 'halt') return { state, commands, events, now };
    for (const event of zendesk.serveAll(command, now)) {
      events.push(StatsBatchEvent.parse(event));
      state = evolve(state, events.at(-1)!);
    }
    now += 1; // a request takes a second
  }
  throw new Error('decide never waits');
}

const kinds = (commands: StatsCommand[]) => commands.map((c) => c.kind);

describe('decide', () => {
  it('waits for the first window to close, then opens it', () => {
    const state = initialStatsState(W);
    expect(decide(state, CLOSED - 1, testConfig)).toEqual({
      kind: 'wait',
      until: CLOSED,
      reason: 'no closed window is pending',
    });
    expect(decide(state, CLOSED, testConfig)).toEqual({
      kind: 'open-hour',
      windowStart: T0,
      windowEnd: T0 + W,
      settleSeconds: 300,
    });
  });

  it('walks: first audits page from the collection start, the next from end_time, tickets from start_time then cursor, roles before finalize', () => {
    const zendesk = new FakeZendesk(ITEMS, TICKETS, { '9': 'agent', '10': 'end-user' }, 1);
    const { commands } = tick(initialStatsState(W), CLOSED, zendesk);
    expect(commands.slice(0, 4)).toEqual([
      { kind: 'open-hour', windowStart: T0, windowEnd: T0 + W, settleSeconds: 300 },
      { kind: 'fetch-audits', seq: 1, startTime: T0, settleSeconds: 300 },
      { kind: 'fetch-audits', seq: 2, startTime: T0 + 5, settleSeconds: 300 }, // page 1 ended at its item's second
      { kind: 'fetch-audits', seq: 3, startTime: T0 + 6, settleSeconds: 300 }, // a one-second page ends a second later
    ]);
    expect(kinds(commands)).toEqual([
      'open-hour',
      ...Array(5).fill('fetch-audits'),
      'fetch-tickets',
      'fetch-tickets',
      'fetch-roles',
      'finalize',
      'wait',
    ]);
    const tickets = commands.filter((c) => c.kind === 'fetch-tickets');
    expect(tickets).toEqual([
      { kind: 'fetch-tickets', seq: 1, startTime: T0 },
      { kind: 'fetch-tickets', seq: 2, cursor: '2' },
    ]);
    expect(commands.find((c) => c.kind === 'fetch-roles')).toEqual({
      kind: 'fetch-roles',
      windowStart: T0,
      userIds: ['9', '10'], // the system user needs no role
    });
  });

  it('finalizes with the result of the facts, its digest and the pages it came from', () => {
    const zendesk = new FakeZendesk(ITEMS, TICKETS, { '9': 'agent', '10': 'end-user' });
    const { commands } = tick(initialStatsState(W), CLOSED, zendesk);
    const finalize = commands.find((c) => c.kind === 'finalize')!;
    const expected = computeHourlyStats(
      {
        solves: solveFactsOf(ITEMS),
        createdAt: new Map(TICKETS.map((t) => [String(t.id), t.created])),
        roles: new Map([
          ['9', 'agent'],
          ['10', 'end-user'],
        ]),
      },
      T0,
      W,
    );
    expect(expected).toMatchObject({ solvedCount: 3, unattributedSolves: 2, mostEfficientAgentId: '9' });
    expect(finalize).toEqual({
      kind: 'finalize',
      windowStart: T0,
      revision: 1,
      result: expected,
      resultSha256: resultSha256(expected),
      sources: { auditsSeq: [1, 1], ticketsSeq: [1, 2] }, // one audits page held all three
    });
  });

  it('finalizes a window without updaters needing a role without fetching roles', () => {
    const zendesk = new FakeZendesk([statusAudit(2, 102, T0 + 20, -1, 'pending', 'solved')], TICKETS, {});
    const { commands } = tick(initialStatsState(W), CLOSED, zendesk);
    expect(kinds(commands)).toEqual([
      'open-hour',
      'fetch-audits',
      'fetch-tickets',
      'fetch-tickets',
      'finalize',
      'wait',
    ]);
  });

  it('after finalizing, waits until the next window closes; a completed window is never finalized again', () => {
    const zendesk = new FakeZendesk(ITEMS, TICKETS, { '9': 'agent' });
    const { state, commands } = tick(initialStatsState(W), CLOSED, zendesk);
    expect(commands.at(-1)).toEqual({
      kind: 'wait',
      until: CLOSED + W,
      reason: 'no closed window is pending',
    });
    expect(decide(state, CLOSED + W - 1, testConfig).kind).toBe('wait');
    expect(decide(state, CLOSED + W, testConfig)).toMatchObject({ kind: 'open-hour', windowStart: T0 + W });
  });

  it('waits for a server clock behind ours to pass the window end + 61 s, instead of asking in a loop', () => {
    const config = { ...testConfig, settleSeconds: 0 };
    const zendesk = new FakeZendesk(ITEMS, TICKETS, {});
    const closed = closesAt(T0, config);
    // The ticket export's Date header runs 30 s behind: its horizon, serverDate − 61, misses the window end.
    zendesk.serve = ((serve) => (command: StatsCommand, now: number) => {
      const event = serve.call(zendesk, command, now);
      return event.type === 'stats.tickets.page-fetched' ? { ...event, serverDate: now - 30 } : event;
    })(zendesk.serve);
    const { state, commands } = tick(initialStatsState(W), closed, zendesk, config);
    expect(state.tickets.horizon).toBeLessThan(T0 + W);
    const until = T0 + W + 61 + 30;
    expect(commands.at(-1)).toEqual({
      kind: 'wait',
      until,
      reason: 'the tickets server clock runs 30 s behind ours; its end of stream cannot prove the window yet',
    });
    expect(decide(state, until - 1, config).kind).toBe('wait');
    const later = tick(state, until, zendesk, config).commands;
    expect(kinds(later)).toEqual(['fetch-tickets', 'fetch-roles', 'finalize', 'wait']);
    expect(later[0]).toEqual({ kind: 'fetch-tickets', seq: 3, cursor: '4' });
  });

  it('never asks for an audits start_time younger than 61 s', () => {
    const zendesk = new FakeZendesk(ITEMS, TICKETS, { '9': 'agent' });
    const { state } = tick(initialStatsState(W), CLOSED, zendesk);
    // A state no consistent log gives (coverage behind the next start): the guard still holds.
    const odd: StatsState = {
      ...state,
      hours: new Map(),
      audits: { ...state.audits, coverageUntil: T0, nextStartTime: CLOSED - 30, lastEndOfStream: false },
    };
    expect(decide(odd, CLOSED, testConfig)).toMatchObject({ kind: 'open-hour' });
    const opened = evolve(
      odd,
      hourOpened(
        { kind: 'open-hour', windowStart: T0, windowEnd: T0 + W, settleSeconds: 300 },
        isoOf(CLOSED),
      ),
    );
    expect(decide(opened, CLOSED, testConfig)).toEqual({
      kind: 'wait',
      until: CLOSED - 30 + 61,
      reason: 'the next audits start_time is younger than 61 s',
    });
  });

  it('halts on a broken stream and says why', () => {
    const zendesk = new FakeZendesk(ITEMS, TICKETS, {});
    const page = zendesk.serve({ kind: 'fetch-audits', seq: 2, startTime: T0, settleSeconds: 300 }, CLOSED);
    const state = foldStatsLog(initialStatsState(W), [page]);
    expect(decide(state, CLOSED, testConfig)).toEqual({
      kind: 'halt',
      reasons: ['audits: gap: page 2 after page 0'],
    });
  });

  it('refuses a configuration with another window than the log', () => {
    expect(() => decide(initialStatsState(W), CLOSED, { ...testConfig, windowSeconds: 3600 })).toThrow(
      /3600/,
    );
  });

  it('runs ten windows on a schedule: each closed window finalized once, exact, with about one page per stream per run', () => {
    const config: StatsConfig = { windowSeconds: W, settleSeconds: 5, collectionStart: T0 };
    const items = Array.from({ length: 40 }, (_, i) =>
      statusAudit(
        1000 + i,
        101 + (i % 4),
        T0 + 15 * i + (i % 7),
        [9, 10, -1, 500][i % 4]!,
        ['open', 'new', 'solved', 'pending'][i % 4]!,
        i % 5 ? 'solved' : 'open',
      ),
    );
    const roles = { '9': 'agent', '10': 'admin', '500': 'end-user' };
    const zendesk = new FakeZendesk(items, TICKETS, roles, 4);
    let state = initialStatsState(W);
    const log: StatsBatchEvent[] = [];
    const runs = [];
    for (let now = T0 + 7; now < T0 + 11 * W; now += W) {
      const run = tick(state, now, zendesk, config);
      state = run.state;
      log.push(...run.events);
      runs.push(run.events.length);
    }
    const finalized = zendesk.requests
      .filter((r) => r.command.kind === 'finalize')
      .map((r) => (r.command as { windowStart: number }).windowStart);
    const closed = Array.from({ length: 10 }, (_, i) => T0 + i * W).filter(
      (start) => closesAt(start, config) <= T0 + 10 * W + 7,
    );
    expect(finalized).toEqual(closed);
    const createdAt = new Map(TICKETS.map((t) => [String(t.id), t.created]));
    for (const start of closed) {
      const expected = computeHourlyStats(
        { solves: solveFactsOf(items), createdAt, roles: new Map(Object.entries(roles)) },
        start,
        W,
      );
      expect(state.hours.get(start)!.completed!.result).toEqual(expected);
    }
    // A replay of the log gives the same state; its completed events dedupe.
    expect(foldStatsLog(initialStatsState(W), [...log, ...log])).toEqual(state);
    for (const { command, now } of zendesk.requests)
      if (command.kind === 'fetch-audits') expect(command.startTime).toBeLessThanOrEqual(now - 61);
    // Each run finalizes the window that closed: open, audits page(s), tickets page(s), roles, finalize. The
    // audits walk reads the last settle period again (records Zendesk shows late): with 4 items per page here,
    // that is sometimes a second page.
    expect(runs.slice(0, 3)).toEqual([0, 0, 7]);
    for (const events of runs.slice(3)) expect([5, 6]).toContain(events);
    const auditsPages = zendesk.requests.filter((r) => r.command.kind === 'fetch-audits').length;
    expect(auditsPages).toBeLessThanOrEqual(2 * closed.length);
  });

  it('stays exact when Zendesk shows changes up to the settle time late; without settling a window misses one', () => {
    const items = Array.from({ length: 60 }, (_, i) =>
      statusAudit(2000 + i, 101 + (i % 4), T0 + 10 * i + (i % 3), 9, 'open', 'solved'),
    );
    const run = (settleSeconds: number) => {
      const config: StatsConfig = { windowSeconds: W, settleSeconds, collectionStart: T0 };
      const zendesk = new FakeZendesk(items, TICKETS, { '9': 'agent' }, 1000, 100);
      let state = initialStatsState(W);
      for (let now = T0 + 7; now < T0 + 12 * W; now += 13) state = tick(state, now, zendesk, config).state;
      const createdAt = new Map(TICKETS.map((t) => [String(t.id), t.created]));
      const wrong = [...state.hours]
        .filter(([, hour]) => hour.completed)
        .filter(([start, hour]) => {
          const truth = computeHourlyStats(
            { solves: solveFactsOf(items), createdAt, roles: new Map([['9', 'agent']]) },
            start,
            W,
          );
          return resultSha256(truth) !== hour.completed!.resultSha256;
        });
      return { completed: [...state.hours.values()].filter((h) => h.completed).length, wrong: wrong.length };
    };
    const settled = run(60);
    expect(settled.completed).toBeGreaterThanOrEqual(8);
    expect(settled.wrong).toBe(0);
    expect(run(0).wrong).toBeGreaterThan(0); // the negative control: the walk had passed the late changes
  });

  it('re-reads each stored window once, after verifyAfterSeconds, and revises exactly the windows that missed late changes', () => {
    const items = Array.from({ length: 60 }, (_, i) =>
      statusAudit(2000 + i, 101 + (i % 4), T0 + 10 * i + (i % 3), 9, 'open', 'solved'),
    );
    const createdAt = new Map(TICKETS.map((t) => [String(t.id), t.created]));
    const truth = (start: number) =>
      computeHourlyStats(
        { solves: solveFactsOf(items), createdAt, roles: new Map([['9', 'agent']]) },
        start,
        W,
      );
    const run = (settleSeconds: number) => {
      const config: StatsConfig = {
        windowSeconds: W,
        settleSeconds,
        collectionStart: T0,
        verifyAfterSeconds: 600,
      };
      const zendesk = new FakeZendesk(items, TICKETS, { '9': 'agent' }, 1000, 100);
      let state = initialStatsState(W);
      const log: StatsBatchEvent[] = [];
      for (let now = T0 + 7; now < T0 + 12 * W; now += 13) {
        const ran = tick(state, now, zendesk, config);
        state = ran.state;
        log.push(...ran.events);
      }
      const wrongBefore = log
        .filter((e) => e.type === 'stats.hour.completed')
        .filter((e) => e.resultSha256 !== resultSha256(truth(Date.parse(e.windowStart) / 1000))).length;
      // A day later (here 600 s): every stored window is read again, once.
      const later = tick(state, T0 + 12 * W + 600, zendesk, config);
      log.push(...later.events);
      const completed = [...state.hours.values()].filter((h) => h.completed).length;
      const rereads = log.filter((e) => e.type === 'stats.hour.reread');
      const revisions = log.filter((e) => e.type === 'stats.hour.revised');
      for (const [start, hour] of later.state.hours)
        if (hour.completed) expect(hour.completed.result).toEqual(truth(start));
      expect(rereads).toHaveLength(completed);
      // Once per window: a later pass re-reads only windows stored since.
      const again = tick(later.state, later.now + 600, zendesk, config).events;
      const reread = new Set(rereads.map((e) => e.windowStart));
      expect(again.filter((e) => e.type === 'stats.hour.reread' && reread.has(e.windowStart))).toEqual([]);
      expect(foldStatsLog(initialStatsState(W), [...log, ...log])).toEqual(later.state);
      return { wrongBefore, revisions };
    };
    const settled = run(60);
    expect(settled.wrongBefore).toBe(0);
    expect(settled.revisions).toEqual([]);
    const unsettled = run(0);
    expect(unsettled.wrongBefore).toBeGreaterThan(0);
    expect(unsettled.revisions).toHaveLength(unsettled.wrongBefore);
    for (const revision of unsettled.revisions) {
      if (revision.type !== 'stats.hour.revised') continue;
      expect(revision.revision).toBe(2);
      expect(revision.diff.addedSolves.length).toBeGreaterThan(0);
      expect(revision.diff.removedSolves).toEqual([]);
      expect(revision.diff.changedFields).toContain('solvedCount');
    }
  });
});
