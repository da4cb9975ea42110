import type { StatsSolveFact } from '@ticketflow/contracts';
import type { HourFacts } from './compute';
import { compareIds } from './ids';
import type { PageMark, StatsState } from './state';

/** The solves of a window as the log sealed them: timestamps in [windowStart, windowStart + windowSeconds). */
export function windowSolves(state: StatsState, windowStart: number): StatsSolveFact[] {
  const end = windowStart + state.windowSeconds;
  return [...(state.hours.get(windowStart)?.solves.values() ?? [])].filter(
    (solve) => solve.at >= windowStart && solve.at < end,
  );
}

/** The window's facts for computeHourlyStats: its solves, their tickets' created_at, its recorded roles. */
export function hourFacts(state: StatsState, windowStart: number): HourFacts {
  const solves = windowSolves(state, windowStart);
  const createdAt = new Map<string, number>();
  for (const { ticketId } of solves) {
    const created = state.createdAt.get(ticketId);
    if (created !== undefined && created !== null) createdAt.set(ticketId, created);
  }
  return { solves, createdAt, roles: state.hours.get(windowStart)?.roles ?? new Map() };
}

/** Updater ids of a window that need a role: every one but Zendesk's system user (-1), by numeric id. */
export function windowUpdaters(state: StatsState, windowStart: number): string[] {
  const ids = new Set(windowSolves(state, windowStart).map((solve) => solve.updaterId));
  ids.delete('-1');
  return [...ids].sort(compareIds);
}

export interface HourSources {
  auditsSeq: [number, number];
  ticketsSeq: [number, number];
}

/**
 * The pages a window's facts come from: audits from the first page that can hold one of its seconds to the page
 * whose coverage reached its end; tickets from the first page to the one whose horizon reached its end (a solved
 * ticket's created_at may come from any page before). null while either stream falls short.
 */
export function hourSources(state: StatsState, windowStart: number): HourSources | null {
  const end = windowStart + state.windowSeconds;
  const auditsTo = firstReaching(state.audits.pages, end);
  const ticketsTo = firstReaching(state.tickets.pages, end);
  if (!auditsTo || !ticketsTo) return null;
  // A page's items run to its end_time second inclusive (Zendesk never ends a page inside a second).
  const auditsFrom = state.audits.pages.find(
    (page) => (page.endTime ?? 0) >= windowStart || (page.until ?? 0) > windowStart,
  )!;
  return {
    auditsSeq: [auditsFrom.seq, auditsTo.seq],
    ticketsSeq: [state.tickets.pages[0]!.seq, ticketsTo.seq],
  };
}

const firstReaching = (pages: readonly PageMark[], end: number) =>
  pages.find((page) => page.until !== null && page.until >= end);
