// Acceptance A1: for generated logs (pages cut anywhere, boundary seconds on two pages, items shuffled inside
// pages, streams interleaved, events redelivered) the folded facts give the naive reference's result, and the
// same digest for every delivery of the same facts.
import fc from 'fast-check';
import type { HourlyStatsResult, StatsBatchEvent } from '@ticketflow/contracts';
import { canonicalJson, resultSha256 } from './canonical';
import { hourCompletion } from './completion';
import { computeHourlyStats } from './compute';
import { evolve } from './evolve';
import { hourFacts } from './hours';
import { initialStatsState } from './state';
import {
  LATER,
  T0,
  W,
  audit,
  auditsEvents,
  comment,
  hourEvents,
  pageAudits,
  random,
  shuffle,
  statusChild,
  tagsChange,
  testConfig,
  ticket,
  ticketsEvents,
  type ChildForm,
} from '../test/log-builders';
import type { RawTicketEvent } from './solves';
import type { RawTicket } from './tickets';
import { isoOf } from './time';

const WINDOWS = [T0, T0 + W, T0 + 2 * W];
const STATUSES = [null, 'new', 'open', 'pending', 'hold', 'solved', 'closed', 'deleted'] as const;
const UPDATERS = ['-1', '7', '8', '9', '10', '11', '12'] as const;

interface GeneratedAudit {
  id: number;
  ticket: number;
  at: number;
  updater: string;
  from: (typeof STATUSES)[number];
  to: string;
  form: ChildForm;
  noise: boolean;
}

interface World {
  createdAt: Map<number, number>;
  audits: GeneratedAudit[];
  roles: Record<string, string>;
}

const worldArb = fc
  .record({
    // Coarse times: equal averages (the tie-breaks) and shared seconds (page boundaries) come often.
    created: fc.array(
      fc.integer({ min: -40, max: 17 }).map((tens) => tens * 10),
      { minLength: 1, maxLength: 8 },
    ),
    audits: fc.array(
      fc.record({
        ticket: fc.nat(),
        offset: fc.integer({ min: 0, max: (3 * W) / 5 - 1 }).map((fives) => fives * 5),
        updater: fc.constantFrom('9', '9', '9', '10', '10', '10', ...UPDATERS),
        from: fc.constantFrom('open', 'open', 'pending', ...STATUSES),
        to: fc.constantFrom('solved', 'solved', 'solved', 'solved', 'closed', 'open'),
        form: fc.constantFrom<ChildForm>('audits', 'field'),
        noise: fc.boolean(),
      }),
      { maxLength: 30 },
    ),
    /** Windows the audits spread over: one window concentrates solves (the fastest agent needs 3). */
    span: fc.integer({ min: 1, max: 3 }),
    roles: fc.record({
      '7': fc.constantFrom('agent', 'admin', 'end-user', 'unknown'),
      '8': fc.constantFrom('agent', 'agent', 'end-user'),
      '9': fc.constantFrom('agent', 'admin'),
      '10': fc.constantFrom('agent', 'unknown'),
      '11': fc.constantFrom('agent', 'end-user'),
      '12': fc.constantFrom('admin', 'agent'),
    }),
  })
  .map(({ created, audits, span, roles }): World => {
    const createdAt = new Map(created.map((offset, i) => [1000 + i, T0 + offset]));
    return {
      createdAt,
      audits: audits.map((a, i) => {
        const ticket = 1000 + (a.ticket % created.length);
        // An audit never precedes its ticket's creation; the same second is a ticket created solved (r = 0).
        return {
          ...a,
          id: 5_000_000 + i * 7,
          ticket,
          at: Math.max(T0 + (a.offset % (span * W)), createdAt.get(ticket)!),
        };
      }),
      roles: Object.fromEntries(Object.entries(roles).filter(([, role]) => role !== 'unknown')),
    };
  });

/** How one world's facts are delivered. */
const layoutArb = fc.record({
  perPage: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }),
  ticketPageSize: fc.integer({ min: 1, max: 5 }),
  seed: fc.integer(),
  redeliveries: fc.integer({ min: 0, max: 6 }),
  /** The last page's end_time: the stream's end, or its last item's second (then serverDate proves the rest). */
  lastItemEnd: fc.boolean(),
});

const SOLVE_FROM = new Set<string | null>([null, 'new', 'open', 'pending', 'hold']);

/** The definition written out plainly over the generated audits: float averages, sorting by Number ids. */
function reference(world: World, start: number): HourlyStatsResult {
  const solves = world.audits.filter(
    (a) => a.to === 'solved' && SOLVE_FROM.has(a.from) && a.at >= start && a.at < start + W,
  );
  const resolutions = solves.map((a) => a.at - world.createdAt.get(a.ticket)!).sort((x, y) => x - y);
  const sum = resolutions.reduce((x, y) => x + y, 0);
  const figures: Record<string, { solvedCount: number; resolutionSecondsSum: number }> = {};
  let unattributed = 0;
  for (const a of solves) {
    const role = world.roles[a.updater];
    if (role !== 'agent' && role !== 'admin') unattributed++;
    else {
      figures[a.updater] ??= { solvedCount: 0, resolutionSecondsSum: 0 };
      figures[a.updater]!.solvedCount++;
      figures[a.updater]!.resolutionSecondsSum += a.at - world.createdAt.get(a.ticket)!;
    }
  }
  const agents = Object.entries(figures)
    .map(([agentId, f]) => ({ agentId, ...f }))
    .sort((a, b) => Number(a.agentId) - Number(b.agentId));
  const average = (a: (typeof agents)[number]) => a.resolutionSecondsSum / a.solvedCount;
  const top = Math.max(...agents.map((a) => a.solvedCount));
  const busiest = agents.filter((a) => a.solvedCount === top);
  const efficient = busiest.filter((a) => average(a) === Math.min(...busiest.map(average)));
  const eligible = agents.filter((a) => a.solvedCount >= 3);
  const quickest = eligible.filter((a) => average(a) === Math.min(...eligible.map(average)));
  const fastest = quickest.filter((a) => a.solvedCount === Math.max(...quickest.map((q) => q.solvedCount)));
  const n = resolutions.length;
  return {
    definitionVersion: 1,
    windowStart: isoOf(start),
    windowEnd: isoOf(start + W),
    windowSeconds: W,
    solvedCount: n,
    resolutionSecondsSum: sum,
    averageResolutionSeconds: n ? sum / n : null,
    medianResolutionSeconds: n
      ? (resolutions[Math.floor((n - 1) / 2)]! + resolutions[Math.ceil((n - 1) / 2)]!) / 2
      : null,
    unattributedSolves: unattributed,
    agents,
    mostEfficientAgentId: efficient[0]?.agentId ?? null,
    fastestAgentId: fastest[0]?.agentId ?? null,
  };
}

function rawItem(a: GeneratedAudit): RawTicketEvent {
  const status = statusChild(a.to, a.from, a.form);
  const children = a.noise ? [comment(), status, tagsChange()] : [status];
  return audit(a.id, a.ticket, a.at, a.updater === '-1' ? -1 : Number(a.updater), children);
}

/** One delivery of the world: streams interleaved in key order, pages shuffled inside, events redelivered. */
function deliver(world: World, layout: Layout): StatsBatchEvent[] {
  const next = random(layout.seed);
  const streamEnd = T0 + 3 * W + 5;
  const pages = pageAudits(
    world.audits.map(rawItem),
    T0,
    layout.perPage,
    layout.lastItemEnd ? null : streamEnd,
  ).map((p) => ({
    ...p,
    page: { ...p.page, ticket_events: shuffle(p.page.ticket_events, next) },
  }));
  const audits = auditsEvents(pages, streamEnd + 70);

  // Every ticket at least once, some again (a later update), now and then without created_at on a repeat.
  const appearances: RawTicket[] = [...world.createdAt].map(([id, created]) => ticket(id, created));
  for (const [id, created] of world.createdAt)
    if (next() < 0.4) appearances.push(ticket(id, next() < 0.3 ? null : created, 'open'));
  const ordered = shuffle(appearances, next);
  const ticketPages: RawTicket[][] = [];
  for (let i = 0; i < ordered.length; i += layout.ticketPageSize)
    ticketPages.push(ordered.slice(i, i + layout.ticketPageSize));
  const tickets = ticketsEvents(ticketPages, T0, streamEnd + 80);

  const hours = WINDOWS.map((start) => {
    const updaters = [
      ...new Set(world.audits.filter((a) => a.at >= start && a.at < start + W).map((a) => a.updater)),
    ];
    return hourEvents(start, updaters, world.roles);
  });

  // Interleave the keys, keeping each key's order (Kafka orders per key only).
  const queues: StatsBatchEvent[][] = [audits, tickets, ...hours].filter((q) => q.length);
  const log: StatsBatchEvent[] = [];
  while (queues.length) {
    const i = Math.floor(next() * queues.length);
    log.push(queues[i]!.shift()!);
    if (!queues[i]!.length) queues.splice(i, 1);
  }
  // Redelivery after a crash: an event already read comes again later.
  for (let r = 0; r < layout.redeliveries; r++) {
    const at = Math.floor(next() * log.length);
    log.splice(at + 1 + Math.floor(next() * (log.length - at)), 0, log[at]!);
  }
  return log;
}
type Layout = {
  perPage: number[];
  ticketPageSize: number;
  seed: number;
  redeliveries: number;
  lastItemEnd: boolean;
};

const fold = (log: readonly StatsBatchEvent[]) => log.reduce(evolve, initialStatsState(W));

/** A plain check: expect() builds an error object per call, which costs more than the whole fold here. */
function same(actual: unknown, expected: unknown, what: string) {
  const [a, b] = [canonicalJson(actual), canonicalJson(expected)];
  if (a !== b) throw new Error(`${what}:\n  got      ${a}\n  expected ${b}`);
}

describe('A1: folding generated logs', () => {
  it('gives the naive reference for every window and one digest for every delivery of the same facts', () => {
    fc.assert(
      fc.property(worldArb, layoutArb, layoutArb, fc.integer(), (world, first, second, shuffleSeed) => {
        const expected = WINDOWS.map((start) => reference(world, start));
        const digests = expected.map(resultSha256);
        for (const layout of [first, second]) {
          const state = fold(deliver(world, layout));
          WINDOWS.forEach((start, i) => {
            same(
              hourCompletion(state, start, LATER, testConfig),
              { complete: true },
              `window ${i} completion`,
            );
            const result = computeHourlyStats(hourFacts(state, start), start, W);
            same(result, expected[i], `window ${i}`);
            same(resultSha256(result), digests[i], `window ${i} digest`);
          });
        }
        // Delivered in any order at all, a window is either complete and exact, or not complete: never wrong.
        const state = fold(shuffle(deliver(world, first), random(shuffleSeed)));
        WINDOWS.forEach((start, i) => {
          if (hourCompletion(state, start, LATER, testConfig).complete)
            same(
              resultSha256(computeHourlyStats(hourFacts(state, start), start, W)),
              digests[i],
              `shuffled window ${i}`,
            );
        });
      }),
      { numRuns: 10_000 },
    );
  });
});
