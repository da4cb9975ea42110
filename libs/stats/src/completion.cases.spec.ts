// Acceptance A2: named cases, hand-computed. An incomplete window yields no result and says why.
import { StatsBatchEvent, type HourlyStatsResult, type StatsAuditsPageFetched } from '@ticketflow/contracts';
import { hourCompletion, type PendingReason } from './completion';
import { computeHourlyStats } from './compute';
import { foldStatsLog } from './evolve';
import { hourFacts } from './hours';
import { solveFactsOf, type RawTicketEvent } from './solves';
import {
  LATER,
  T0,
  W,
  audit,
  auditsEvents,
  hourEvents,
  pageAudits,
  statusAudit,
  testConfig,
  ticket,
  ticketsEvents,
} from '../test/log-builders';
import { initialStatsState } from './state';
import type { RawTicket } from './tickets';
import { isoOf } from './time';

const H = T0;
const ROLES = { '9': 'agent', '10': 'admin', '500': 'end-user' };

/** Window [T0, T0 + 60): four solves, the last by an end user; one audit that solves nothing. */
const ITEMS = [
  statusAudit(1, 101, T0 + 5, 9, 'open', 'solved'), // r = 605
  statusAudit(5, 101, T0 + 10, 9, 'new', 'open'),
  statusAudit(2, 102, T0 + 20, 10, 'pending', 'solved'), // r = 320
  statusAudit(3, 103, T0 + 30, 9, 'new', 'solved'), // r = 120
  statusAudit(4, 104, T0 + 40, 500, 'hold', 'solved'), // r = 70, unattributed
];
const TICKETS = [ticket(101, T0 - 600), ticket(102, T0 - 300), ticket(103, T0 - 90), ticket(104, T0 - 30)];

const BASELINE: HourlyStatsResult = {
  definitionVersion: 1,
  windowStart: isoOf(T0),
  windowEnd: isoOf(T0 + W),
  windowSeconds: W,
  solvedCount: 4,
  resolutionSecondsSum: 1115,
  averageResolutionSeconds: 278.75,
  medianResolutionSeconds: 220, // (120 + 320) / 2
  unattributedSolves: 1,
  agents: [
    { agentId: '9', solvedCount: 2, resolutionSecondsSum: 725 },
    { agentId: '10', solvedCount: 1, resolutionSecondsSum: 320 },
  ],
  mostEfficientAgentId: '9',
  fastestAgentId: null,
};

/** Six solves of 110 s on average, three each: the first agent wins both titles on the tie (lower id). */
const twoAgentsOfThreeSolves = (first: string, second: string) => ({
  result: {
    ...BASELINE,
    solvedCount: 6,
    resolutionSecondsSum: 660,
    averageResolutionSeconds: 110,
    medianResolutionSeconds: 110,
    unattributedSolves: 0,
    agents: [first, second].map((agentId) => ({ agentId, solvedCount: 3, resolutionSecondsSum: 330 })),
    mostEfficientAgentId: first,
    fastestAgentId: first,
  },
});

interface Scenario {
  items?: RawTicketEvent[];
  tickets?: RawTicket[];
  roles?: Record<string, string>;
  perPage?: number;
  ticketsPerPage?: number;
  /** end_time of the end-of-stream page; null: its last item's second. */
  streamEnd?: number | null;
  auditsServerDate?: number;
  ticketsServerDate?: number;
  auditsStart?: number;
  ticketsStart?: number;
  mutate?: (log: StatsBatchEvent[]) => StatsBatchEvent[];
  now?: number;
}

/** The log a collector would write for the scenario (every event valid against the contract), folded. */
function run(scenario: Scenario) {
  const items = scenario.items ?? ITEMS;
  const tickets = scenario.tickets ?? TICKETS;
  const pages = pageAudits(
    items,
    scenario.auditsStart ?? T0,
    scenario.perPage ?? 2,
    scenario.streamEnd === undefined ? T0 + W + 5 : scenario.streamEnd,
  );
  const size = scenario.ticketsPerPage ?? 2;
  const ticketPages = Array.from({ length: Math.ceil(tickets.length / size) }, (_, k) =>
    tickets.slice(k * size, (k + 1) * size),
  );
  const updaters = [
    ...new Set(
      solveFactsOf(items)
        .filter((s) => s.at >= H && s.at < H + W)
        .map((s) => s.updaterId),
    ),
  ];
  const log = [
    ...auditsEvents(pages, scenario.auditsServerDate ?? T0 + W + 100),
    ...ticketsEvents(ticketPages, scenario.ticketsStart ?? T0, scenario.ticketsServerDate ?? T0 + W + 100),
    ...hourEvents(H, updaters, scenario.roles ?? ROLES),
  ].map((event) => StatsBatchEvent.parse(event));
  const state = foldStatsLog(initialStatsState(W), (scenario.mutate ?? ((l) => l))(log));
  const completion = hourCompletion(state, H, scenario.now ?? LATER, testConfig);
  return {
    state,
    completion,
    result: completion.complete ? computeHourlyStats(hourFacts(state, H), H, W) : null,
  };
}

const audits = (log: StatsBatchEvent[]) =>
  log.filter((e): e is StatsAuditsPageFetched => e.type === 'stats.audits.page-fetched');
/** The log with one event replaced (or removed, with null). */
const replace =
  (pick: (e: StatsBatchEvent) => boolean, by: (e: StatsBatchEvent) => StatsBatchEvent | null) =>
  (log: StatsBatchEvent[]) =>
    log.flatMap((e) => (pick(e) ? [by(e)].filter((x): x is StatsBatchEvent => x !== null) : [e]));
const isPage = (type: StatsBatchEvent['type'], seq: number) => (e: StatsBatchEvent) =>
  e.type === type && 'seq' in e && e.seq === seq;
const auditsPage = (seq: number) => isPage('stats.audits.page-fetched', seq);
const ticketsPage = (seq: number) => isPage('stats.tickets.page-fetched', seq);
const withAudits =
  (change: (page: StatsAuditsPageFetched) => StatsAuditsPageFetched) => (e: StatsBatchEvent) =>
    change(e as StatsAuditsPageFetched);

type Pending = { pending: PendingReason['code'][]; broken?: RegExp };
type Expected = { result: HourlyStatsResult } | Pending;

const cases: [string, Scenario, Expected][] = [
  ['baseline: four solves, one by an end user, one audit that solves nothing', {}, { result: BASELINE }],

  // Incomplete: the streams do not prove the window.
  [
    'gap in the audits seq',
    { mutate: replace(auditsPage(2), () => null) },
    { pending: ['stream-broken', 'audits-coverage'], broken: /^gap: page 3 after page 1/ },
  ],
  [
    'gap in the tickets seq',
    { ticketsPerPage: 1, mutate: replace(ticketsPage(2), () => null) },
    {
      pending: ['stream-broken', 'tickets-horizon', 'missing-created-at'],
      broken: /^gap: page 3 after page 1/,
    },
  ],
  [
    'broken cursor chain: page 2 asked with another cursor than page 1 gave',
    {
      ticketsPerPage: 1,
      mutate: replace(ticketsPage(2), (e) => ({ ...e, cursorIn: 'c9' }) as StatsBatchEvent),
    },
    {
      pending: ['stream-broken', 'tickets-horizon', 'missing-created-at'],
      broken: /^chain: page 2 asked with cursor c9, page 1 gave c1/,
    },
  ],
  [
    'broken time chain: audits page 2 does not start at page 1 end_time',
    {
      mutate: replace(
        auditsPage(2),
        withAudits((p) => ({ ...p, request: { startTime: p.request.startTime + 1 } })),
      ),
    },
    { pending: ['stream-broken', 'audits-coverage'], broken: /^chain/ },
  ],
  [
    'end_time not reaching the window end (the walk stopped before the end of the stream)',
    { mutate: (log) => log.filter((e) => !(e.type === 'stats.audits.page-fetched' && e.seq > 2)) },
    { pending: ['audits-coverage'] },
  ],
  [
    'stall: a page that is not the end of the stream ends at its start',
    {
      mutate: replace(
        auditsPage(2),
        withAudits((p) => ({
          ...p,
          coverageUntil: p.request.startTime,
          response: { ...p.response, endTime: p.request.startTime },
        })),
      ),
    },
    { pending: ['stream-broken', 'audits-coverage'], broken: /^stall: page 2/ },
  ],
  [
    'count differs from the items on the page (a cut body)',
    {
      mutate: replace(
        auditsPage(1),
        withAudits((p) => ({ ...p, response: { ...p.response, count: p.items + 1 } })),
      ),
    },
    { pending: ['stream-broken', 'audits-coverage'], broken: /^count/ },
  ],
  [
    'a page delivered again with another body',
    { mutate: (log) => [...log, { ...audits(log)[0]!, bodySha256: 'f'.repeat(64) }] },
    { pending: ['stream-broken'], broken: /^conflict: page 1/ },
  ],
  [
    'a coverage claim the page counters do not prove',
    {
      mutate: replace(
        auditsPage(1),
        withAudits((p) => ({ ...p, coverageUntil: p.coverageUntil + 100 })),
      ),
    },
    { pending: ['stream-broken', 'audits-coverage'], broken: /^coverage/ },
  ],
  [
    'end of stream short of the window: end_time is the last item, serverDate − 61 s before the window end',
    { streamEnd: null, auditsServerDate: T0 + W + 60 },
    { pending: ['audits-coverage'] },
  ],
  [
    'the audits walk started after the window start',
    { auditsStart: T0 + 1 },
    { pending: ['audits-coverage'] },
  ],
  [
    'missing created_at on the solved ticket',
    { tickets: [...TICKETS.slice(0, 2), ticket(103, null), TICKETS[3]!] },
    { pending: ['missing-created-at'] },
  ],
  [
    'solved ticket absent from the ticket export',
    { tickets: TICKETS.slice(0, 3) },
    { pending: ['missing-created-at'] },
  ],
  [
    'ticket horizon short: the last end of stream is too old',
    { ticketsServerDate: T0 + W + 60 },
    { pending: ['tickets-horizon'] },
  ],
  [
    'the ticket walk started after the window start',
    { ticketsStart: T0 + 1 },
    { pending: ['tickets-horizon'] },
  ],
  [
    'missing role: the users were never fetched',
    { mutate: (log) => log.filter((e) => e.type !== 'stats.users.fetched') },
    { pending: ['missing-role'] },
  ],
  [
    'missing role: users fetched without one updater',
    {
      mutate: (log) =>
        log.map((e) =>
          e.type === 'stats.users.fetched' ? { ...e, users: e.users.filter((u) => u.id !== '500') } : e,
        ),
    },
    { pending: ['missing-role'] },
  ],
  [
    'the window has not closed: 61 s + settle not yet passed',
    { now: T0 + W + 61 + 299 },
    { pending: ['window-open'] },
  ],

  // Complete: what is and is not a solve.
  [
    'solved → closed (auto-close) is no solve',
    { items: [...ITEMS, statusAudit(6, 101, T0 + 50, -1, 'solved', 'closed')] },
    { result: BASELINE },
  ],
  [
    'merge: open → closed is no solve (and needs no created_at)',
    { items: [...ITEMS, statusAudit(7, 105, T0 + 45, 9, 'open', 'closed')] },
    { result: BASELINE },
  ],
  [
    'undelete: deleted → solved is no solve (and needs no created_at)',
    { items: [...ITEMS, statusAudit(8, 106, T0 + 46, 9, 'deleted', 'solved')] },
    { result: BASELINE },
  ],
  [
    'custom status inside solved: no status child event, in either form',
    {
      items: [
        ...ITEMS,
        audit(9, 101, T0 + 47, 9, [{ event_type: 'Change', custom_status_id: 2, previous_value: 1 }]),
        audit(10, 102, T0 + 48, 9, [
          { event_type: 'Change', field_name: 'custom_status_id', value: 2, previous_value: 1 },
        ]),
        statusAudit(11, 103, T0 + 49, 9, 'solved', 'solved', 'field'),
      ],
    },
    { result: BASELINE },
  ],
  [
    'comments, tags, notifications and unknown event types around a solve change nothing',
    {
      items: ITEMS.map((item) => ({
        ...item,
        child_events: [
          { event_type: 'Comment', body: 'done', public: true },
          { event_type: 'Notification', subject: 'solved', recipients: [9] },
          { event_type: 'Change', tags: ['a'], previous_value: [] },
          { event_type: 'VoiceComment', data: {} },
          ...(item.child_events ?? []),
        ],
      })),
    },
    { result: BASELINE },
  ],
  [
    "the export's field-keyed child events count as the audits API's",
    {
      items: ITEMS.map((item) => ({
        ...item,
        child_events: (item.child_events ?? []).map(({ field_name: _f, value, ...rest }) => ({
          ...rest,
          status: value,
        })),
      })),
    },
    { result: BASELINE },
  ],
  [
    'creation as solved: r = 0 (a Create child event without previous_value)',
    {
      items: [
        ...ITEMS,
        audit(12, 107, T0 + 15, 10, [{ event_type: 'Create', field_name: 'status', value: 'solved' }]),
      ],
      tickets: [...TICKETS, ticket(107, T0 + 15)],
    },
    {
      result: {
        ...BASELINE,
        solvedCount: 5,
        averageResolutionSeconds: 223, // 1115 / 5
        medianResolutionSeconds: 120, // [0, 70, 120, 320, 605]
        agents: [
          { agentId: '9', solvedCount: 2, resolutionSecondsSum: 725 },
          { agentId: '10', solvedCount: 2, resolutionSecondsSum: 320 },
        ],
        mostEfficientAgentId: '10', // 2 solves each; 160 s average against 362.5 s
      },
    },
  ],
  [
    'reopened and solved again: two solves of one ticket; a later delete changes nothing',
    {
      items: [
        ...ITEMS,
        statusAudit(13, 101, T0 + 25, 600, 'solved', 'open'),
        statusAudit(14, 101, T0 + 35, 10, 'open', 'solved'), // r = 635
        statusAudit(15, 101, T0 + 55, 10, 'solved', 'deleted'),
      ],
      tickets: [ticket(101, T0 - 600, 'deleted'), ...TICKETS.slice(1)],
    },
    {
      result: {
        ...BASELINE,
        solvedCount: 5,
        resolutionSecondsSum: 1750,
        averageResolutionSeconds: 350,
        medianResolutionSeconds: 320, // [70, 120, 320, 605, 635]
        agents: [
          { agentId: '9', solvedCount: 2, resolutionSecondsSum: 725 },
          { agentId: '10', solvedCount: 2, resolutionSecondsSum: 955 },
        ],
        mostEfficientAgentId: '9', // 362.5 s against 477.5 s
      },
    },
  ],
  [
    'the window is [start, end): a solve at the end second belongs to the next window',
    {
      items: [
        statusAudit(16, 101, T0, 9, 'open', 'solved'),
        statusAudit(17, 102, T0 + W, 9, 'open', 'solved'),
      ],
    },
    {
      result: {
        ...BASELINE,
        solvedCount: 1,
        resolutionSecondsSum: 600,
        averageResolutionSeconds: 600,
        medianResolutionSeconds: 600,
        unattributedSolves: 0,
        agents: [{ agentId: '9', solvedCount: 1, resolutionSecondsSum: 600 }],
      },
    },
  ],
  [
    'system user (-1) and an id Zendesk does not know are unattributed',
    {
      items: [
        ...ITEMS.slice(0, 4),
        statusAudit(4, 104, T0 + 40, -1, 'hold', 'solved'),
        statusAudit(18, 102, T0 + 41, 777, 'open', 'solved'),
      ],
    },
    {
      result: {
        ...BASELINE,
        solvedCount: 5,
        resolutionSecondsSum: 1456, // + 341
        averageResolutionSeconds: 291.2,
        medianResolutionSeconds: 320, // [70, 120, 320, 341, 605]
        unattributedSolves: 2,
      },
    },
  ],

  // Complete: ties.
  [
    'id tie after equal counts and averages: 9 before 10 (numerically, not as text), for both agents',
    {
      items: [9, 10].flatMap((agent) =>
        [100, 110, 120].map((r, i) =>
          statusAudit(agent * 100 + i, 200 + i, T0 + r - 100, agent, 'open', 'solved'),
        ),
      ),
      tickets: [ticket(200, T0 - 100), ticket(201, T0 - 100), ticket(202, T0 - 100)],
    },
    twoAgentsOfThreeSolves('9', '10'),
  ],
  [
    'ids past 2^53 compare exactly (as doubles both are 12345678901234568)',
    {
      items: ['12345678901234569', '12345678901234568'].flatMap((agent, a) =>
        [0, 1, 2].map((i) => ({
          ...statusAudit(300 + a * 10 + i, 200 + i, T0 + 10 * i, 0, 'open', 'solved'),
          updater_id: agent,
        })),
      ),
      tickets: [ticket(200, T0 - 100), ticket(201, T0 - 100), ticket(202, T0 - 100)],
      roles: { '12345678901234568': 'agent', '12345678901234569': 'agent' },
    },
    twoAgentsOfThreeSolves('12345678901234568', '12345678901234569'),
  ],
  [
    'fastest: at least 3 solves; equal averages go to more solves; the busiest agent is the most efficient',
    {
      items: [
        ...[0, 10].map((r, i) => statusAudit(400 + i, 203, T0 + r, 10, 'open', 'solved')), // 10: 2 solves, 15 s
        ...[40, 50].map((r, i) => statusAudit(410 + i, 200 + i, T0 + r, 9, 'open', 'solved')), // 9: 2 solves, 145 s
        ...[0, 10, 20].map((r, i) => statusAudit(420 + i, 200 + i, T0 + r, 7, 'open', 'solved')), // 7: 3 solves, 110 s
        ...[0, 10, 20, 0, 20].map((r, i) =>
          statusAudit(430 + i, 200 + (i % 3), T0 + r, 11, 'open', 'solved'),
        ), // 11: 5, 110 s
      ],
      tickets: [ticket(200, T0 - 100), ticket(201, T0 - 100), ticket(202, T0 - 100), ticket(203, T0 - 10)],
      roles: { '7': 'agent', '9': 'agent', '10': 'agent', '11': 'admin' },
    },
    {
      result: {
        ...BASELINE,
        solvedCount: 12,
        resolutionSecondsSum: 1200, // 330 + 290 + 30 + 550
        averageResolutionSeconds: 100,
        medianResolutionSeconds: 110, // [10, 20, 100, 100, 100, 110, 110, 120, 120, 120, 140, 150]
        unattributedSolves: 0,
        agents: [
          { agentId: '7', solvedCount: 3, resolutionSecondsSum: 330 },
          { agentId: '9', solvedCount: 2, resolutionSecondsSum: 290 },
          { agentId: '10', solvedCount: 2, resolutionSecondsSum: 30 },
          { agentId: '11', solvedCount: 5, resolutionSecondsSum: 550 },
        ],
        mostEfficientAgentId: '11',
        fastestAgentId: '11', // 10 is quicker with 2 solves only; 11 and 7 average 110 s, 11 has more solves
      },
    },
  ],

  // Complete: delivery.
  [
    'duplicate audit across pages (its second ends page 1 and starts page 2) counts once',
    { perPage: 1, items: [...ITEMS, statusAudit(19, 102, T0 + 5, 600, 'new', 'open')] },
    { result: BASELINE },
  ],
  [
    'every event delivered twice (a replay after a crash)',
    { mutate: (log) => [...log, ...log] },
    { result: BASELINE },
  ],
  [
    'end-of-stream coverage from serverDate: end_time is the last item, serverDate − 61 s reaches the window end',
    { streamEnd: null, auditsServerDate: T0 + W + 61 },
    { result: BASELINE },
  ],
];

describe('A2: named cases of one window', () => {
  it('has at least 20 cases', () => expect(cases.length).toBeGreaterThanOrEqual(20));

  it.each(cases)('%s', (_name, scenario, expected) => {
    const { state, completion, result } = run(scenario);
    if ('result' in expected) {
      expect(completion).toEqual({ complete: true });
      expect(result).toEqual(expected.result);
      return;
    }
    expect(result).toBeNull();
    expect(completion.complete).toBe(false);
    const reasons = completion.complete ? [] : completion.reasons;
    expect(reasons.map((reason) => reason.code)).toEqual(expected.pending);
    if (expected.broken) expect(state.audits.broken ?? state.tickets.broken).toMatch(expected.broken);
  });

  it('names what is missing: tickets without created_at, updaters without a role, the proven coverage', () => {
    const { completion } = run({
      tickets: TICKETS.slice(0, 2),
      mutate: (log) => log.filter((e) => e.type !== 'stats.users.fetched'),
      auditsServerDate: T0 + W + 70,
      ticketsServerDate: T0 + W + 80,
    });
    expect(completion).toEqual({
      complete: false,
      reasons: [
        { code: 'missing-created-at', ticketIds: ['103', '104'] },
        { code: 'missing-role', userIds: ['9', '10', '500'] },
      ],
      coverageUntil: T0 + W + 9, // min(audits T0 + W + 9, tickets T0 + W + 19)
    });
  });

  it('the duplicate case really puts one audit on two pages', () => {
    const pages = pageAudits([...ITEMS, statusAudit(19, 102, T0 + 5, 600, 'new', 'open')], T0, 1, T0 + W + 5);
    const onPages = pages.filter((p) => p.page.ticket_events.some((item) => item.id === 1));
    expect(onPages.length).toBe(2);
  });
});
