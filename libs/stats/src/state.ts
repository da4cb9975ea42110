import type { HourlyStatsResult, StatsSolveFact } from '@ticketflow/contracts';

/** A page as the stream remembers it: enough to name a window's sources and to tell a redelivery from a conflict. */
export interface PageMark {
  seq: number;
  bodySha256: string;
  /** Audits: the last item second on the page (`end_time`); tickets: null. */
  endTime: number | null;
  /** Audits: proven coverage after this page; tickets: the horizon after it (null before any end of stream). */
  until: number | null;
}

/** Stream A, the ticket-events walk. Every audit with a timestamp in [coveredFrom, coverageUntil) was returned. */
export interface AuditsStream {
  lastSeq: number;
  coveredFrom: number | null;
  coverageUntil: number | null;
  /** `end_time` of the last page: where the next page starts (inclusive). */
  nextStartTime: number | null;
  lastEndOfStream: boolean;
  /** Our clock when the last page was produced (its occurredAt) and the server's (its Date), unix seconds. */
  lastFetchedAt: number | null;
  lastServerDate: number | null;
  pages: readonly PageMark[];
  /** Why the stream stopped; nothing of it is applied afterwards. */
  broken: string | null;
}

/** Stream T, the ticket cursor walk. Every ticket updated in [horizonFrom, horizon) was returned. */
export interface TicketsStream {
  lastSeq: number;
  horizonFrom: number | null;
  horizon: number | null;
  cursor: string | null;
  lastEndOfStream: boolean;
  lastFetchedAt: number | null;
  lastServerDate: number | null;
  pages: readonly PageMark[];
  broken: string | null;
}

export interface CompletedHour {
  revision: number;
  result: HourlyStatsResult;
  resultSha256: string;
  /** When this revision was stored (its event's occurredAt), unix seconds: the verification pass counts from it. */
  at: number;
  /** The window's solves this revision was computed from (the walk may add to `HourState.solves` later). */
  solves: readonly StatsSolveFact[];
}

/** What the verification pass's re-read of a stored window showed (one re-read per window). */
export type Verification =
  | { revision: number; verdict: 'same' }
  | {
      revision: number;
      verdict: 'differs';
      result: HourlyStatsResult;
      resultSha256: string;
      /** The stored revision's solves and the re-read's: a solve counts forever, even when no longer shown. */
      solves: readonly StatsSolveFact[];
      added: readonly StatsSolveFact[];
      /** Stored solves the re-read no longer shows (kept). */
      missing: readonly StatsSolveFact[];
    }
  /** A re-read solve whose ticket has no created_at, or whose updater has no role: nothing to compare. */
  | { revision: number; verdict: 'inconclusive'; missing: string };

/** One window's batch: its solve facts (by identity), and what its events recorded. */
export interface HourState {
  windowStart: number;
  solves: ReadonlyMap<string, StatsSolveFact>;
  opened: { settleSeconds: number } | null;
  /** Updater id → role (null: unknown to Zendesk); null until `stats.users.fetched`. */
  roles: ReadonlyMap<string, string | null> | null;
  completed: CompletedHour | null;
  verification: Verification | null;
}

/** The fold of `stats.batch-events.v1`. Maps are never changed in place: evolve copies what it writes. */
export interface StatsState {
  windowSeconds: number;
  audits: AuditsStream;
  tickets: TicketsStream;
  /** Ticket id → created_at in unix seconds, the latest page's value (null: no page had one). */
  createdAt: ReadonlyMap<string, number | null>;
  hours: ReadonlyMap<number, HourState>;
}

export function initialStatsState(windowSeconds: number): StatsState {
  if (!Number.isInteger(windowSeconds) || windowSeconds <= 0) throw new Error(`window of ${windowSeconds} s`);
  return {
    windowSeconds,
    audits: {
      lastSeq: 0,
      coveredFrom: null,
      coverageUntil: null,
      nextStartTime: null,
      lastEndOfStream: false,
      lastFetchedAt: null,
      lastServerDate: null,
      pages: [],
      broken: null,
    },
    tickets: {
      lastSeq: 0,
      horizonFrom: null,
      horizon: null,
      cursor: null,
      lastEndOfStream: false,
      lastFetchedAt: null,
      lastServerDate: null,
      pages: [],
      broken: null,
    },
    createdAt: new Map(),
    hours: new Map(),
  };
}

export const emptyHour = (windowStart: number): HourState => ({
  windowStart,
  solves: new Map(),
  opened: null,
  roles: null,
  completed: null,
  verification: null,
});
