import type {
  StatsAuditsPageFetched,
  StatsBatchEvent,
  StatsSolveFact,
  StatsTicketsPageFetched,
} from '@ticketflow/contracts';
import { windowSolves } from './hours';
import { addSolve } from './solves';
import { emptyHour, type HourState, type StatsState } from './state';
import { foldAuditsPage, foldTicketsPage } from './streams';
import { verificationOf } from './verify';
import { secondsOf, windowOf } from './time';

/**
 * Folds one event of `stats.batch-events.v1` (pure: the state passed in is not changed). Redelivered events
 * change nothing; a page that does not follow its stream breaks the stream, which then applies nothing more.
 * Throws on an hour event of another window length: that log was written under another configuration.
 */
export function evolve(state: StatsState, event: StatsBatchEvent): StatsState {
  switch (event.type) {
    case 'stats.audits.page-fetched':
      return applyAuditsPage(state, event);
    case 'stats.tickets.page-fetched':
      return applyTicketsPage(state, event);
    case 'stats.hour.opened': {
      if (secondsOf(event.windowEnd) - secondsOf(event.windowStart) !== state.windowSeconds)
        throw new Error(
          `${event.eventId}: a window of ${event.windowEnd} − ${event.windowStart}, not ${state.windowSeconds} s`,
        );
      return updateHour(state, event.windowStart, (hour) =>
        hour.opened ? hour : { ...hour, opened: { settleSeconds: event.settleSeconds } },
      );
    }
    case 'stats.users.fetched':
      return updateHour(state, event.windowStart, (hour) =>
        hour.roles ? hour : { ...hour, roles: new Map(event.users.map((user) => [user.id, user.role])) },
      );
    case 'stats.hour.completed':
    case 'stats.hour.revised':
      return updateHour(state, event.windowStart, (hour) =>
        hour.completed && hour.completed.revision >= event.revision
          ? hour
          : {
              ...hour,
              completed: {
                revision: event.revision,
                result: event.result,
                resultSha256: event.resultSha256,
                at: secondsOf(event.occurredAt),
                // The facts as folded when this event was written: a replay folds the same log prefix.
                solves:
                  event.type === 'stats.hour.completed'
                    ? windowSolves(state, hour.windowStart)
                    : hour.verification?.verdict === 'differs'
                      ? hour.verification.solves
                      : (hour.completed?.solves ?? []),
              },
            },
      );
    case 'stats.hour.reread':
      return updateHour(state, event.windowStart, (hour) =>
        hour.verification ? hour : { ...hour, verification: verificationOf(state, hour, event) },
      );
  }
}

export const foldStatsLog = (state: StatsState, events: Iterable<StatsBatchEvent>) => {
  for (const event of events) state = evolve(state, event);
  return state;
};

function applyAuditsPage(state: StatsState, page: StatsAuditsPageFetched): StatsState {
  const { stream, applied } = foldAuditsPage(state.audits, page);
  if (!applied) return stream === state.audits ? state : { ...state, audits: stream };
  const byWindow = new Map<number, StatsSolveFact[]>();
  for (const solve of page.solves) {
    const start = windowOf(solve.at, state.windowSeconds);
    const solves = byWindow.get(start);
    if (solves) solves.push(solve);
    else byWindow.set(start, [solve]);
  }
  const hours = new Map(state.hours);
  for (const [start, solves] of byWindow) {
    const hour = hours.get(start) ?? emptyHour(start);
    const merged = new Map(hour.solves);
    for (const solve of solves) addSolve(merged, solve);
    hours.set(start, { ...hour, solves: merged });
  }
  return { ...state, audits: stream, hours };
}

function applyTicketsPage(state: StatsState, page: StatsTicketsPageFetched): StatsState {
  const { stream, applied } = foldTicketsPage(state.tickets, page);
  if (!applied) return stream === state.tickets ? state : { ...state, tickets: stream };
  const createdAt = new Map(state.createdAt);
  // created_at never changes; a page without it must not erase what an earlier page said.
  for (const ticket of page.tickets)
    if (ticket.createdAt !== null || !createdAt.has(ticket.id)) createdAt.set(ticket.id, ticket.createdAt);
  return { ...state, tickets: stream, createdAt };
}

function updateHour(
  state: StatsState,
  windowStartIso: string,
  update: (hour: HourState) => HourState,
): StatsState {
  const start = secondsOf(windowStartIso);
  if (windowOf(start, state.windowSeconds) !== start)
    throw new Error(`window ${windowStartIso} is not aligned to ${state.windowSeconds} s`);
  const hour = state.hours.get(start) ?? emptyHour(start);
  const next = update(hour);
  if (next === hour) return state;
  return { ...state, hours: new Map(state.hours).set(start, next) };
}
