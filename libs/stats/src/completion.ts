import type { StatsConfig } from './config';
import { windowSolves, windowUpdaters } from './hours';
import { compareIds } from './ids';
import type { StatsState } from './state';
import { EXPORT_LAG_SECONDS } from './time';

/** Why a window cannot be finalized yet (the API's 404 `pending` answer lists them). */
export type PendingReason =
  | { code: 'window-open'; closesAt: number }
  | { code: 'stream-broken'; stream: 'audits' | 'tickets'; reason: string }
  | { code: 'audits-coverage'; coveredFrom: number | null; coverageUntil: number | null }
  | { code: 'tickets-horizon'; horizonFrom: number | null; horizon: number | null }
  | { code: 'missing-created-at'; ticketIds: string[] }
  | { code: 'missing-role'; userIds: string[] };

export type Completion =
  | { complete: true }
  | {
      complete: false;
      reasons: PendingReason[];
      /** Both streams are proven up to here (unix seconds); null until both have an end. */
      coverageUntil: number | null;
    };

/** The first window collected: the first whole one starting at or after the collection start. */
export const firstWindow = (config: StatsConfig) =>
  Math.ceil(config.collectionStart / config.windowSeconds) * config.windowSeconds;

/** Windows that ended by `now` and are not stored yet, oldest first (the `stats_hours_open` gauge). */
export function pendingWindows(state: StatsState, now: number, config: StatsConfig): number[] {
  const pending: number[] = [];
  for (let start = firstWindow(config); start + config.windowSeconds <= now; start += config.windowSeconds)
    if (!state.hours.get(start)?.completed) pending.push(start);
  return pending;
}

/** When window H may be finalized at the earliest: rule (a), H + window + 61 s + settle. */
export const closesAt = (windowStart: number, config: StatsConfig) =>
  windowStart + config.windowSeconds + EXPORT_LAG_SECONDS + config.settleSeconds;

/**
 * Definition v1 §2 item 10: window H may be finalized when (a) it closed, (b) the audit stream covers it,
 * (c) the ticket stream's horizon covers it and every solved ticket has a created_at, (d) every updater has a
 * recorded role. A broken stream blocks every window not finalized: its gap may hide any fact.
 */
export function hourCompletion(
  state: StatsState,
  windowStart: number,
  now: number,
  config: StatsConfig,
): Completion {
  const end = windowStart + state.windowSeconds;
  const { audits, tickets } = state;
  const reasons: PendingReason[] = [];
  if (now < closesAt(windowStart, config))
    reasons.push({ code: 'window-open', closesAt: closesAt(windowStart, config) });
  if (audits.broken) reasons.push({ code: 'stream-broken', stream: 'audits', reason: audits.broken });
  if (tickets.broken) reasons.push({ code: 'stream-broken', stream: 'tickets', reason: tickets.broken });
  if (!covers(audits.coveredFrom, audits.coverageUntil, windowStart, end))
    reasons.push({
      code: 'audits-coverage',
      coveredFrom: audits.coveredFrom,
      coverageUntil: audits.coverageUntil,
    });
  if (!covers(tickets.horizonFrom, tickets.horizon, windowStart, end))
    reasons.push({ code: 'tickets-horizon', horizonFrom: tickets.horizonFrom, horizon: tickets.horizon });
  const withoutCreatedAt = [...new Set(windowSolves(state, windowStart).map((solve) => solve.ticketId))]
    .filter((id) => (state.createdAt.get(id) ?? null) === null)
    .sort(compareIds);
  if (withoutCreatedAt.length) reasons.push({ code: 'missing-created-at', ticketIds: withoutCreatedAt });
  const roles = state.hours.get(windowStart)?.roles;
  const withoutRole = windowUpdaters(state, windowStart).filter((id) => !roles?.has(id));
  if (withoutRole.length) reasons.push({ code: 'missing-role', userIds: withoutRole });
  if (reasons.length === 0) return { complete: true };
  const proven =
    audits.coverageUntil === null || tickets.horizon === null
      ? null
      : Math.min(audits.coverageUntil, tickets.horizon);
  return { complete: false, reasons, coverageUntil: proven };
}

const covers = (from: number | null, until: number | null, windowStart: number, windowEnd: number) =>
  from !== null && until !== null && from <= windowStart && until >= windowEnd;
