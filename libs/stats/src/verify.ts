import type { StatsHourReread, StatsHourRevised, StatsSolveFact } from '@ticketflow/contracts';
import { canonicalJson, resultSha256 } from './canonical';
import { computeHourlyStats } from './compute';
import type { StatsConfig } from './config';
import { compareIds } from './ids';
import { bySolveKey, solveKey } from './solves';
import type { HourState, StatsState, Verification } from './state';

/** Re-reading a stored window: which updaters need a role and which tickets a created_at, beyond what the log has. */
export function rereadNeeds(
  state: StatsState,
  windowStart: number,
  solves: readonly StatsSolveFact[],
): { userIds: string[]; ticketIds: string[] } {
  const roles = state.hours.get(windowStart)?.roles;
  const userIds = new Set(
    solves.map((solve) => solve.updaterId).filter((id) => id !== '-1' && !roles?.has(id)),
  );
  const ticketIds = new Set(
    solves.map((solve) => solve.ticketId).filter((id) => (state.createdAt.get(id) ?? null) === null),
  );
  return { userIds: [...userIds].sort(compareIds), ticketIds: [...ticketIds].sort(compareIds) };
}

/**
 * The window computed again from its re-read and the stored revision's solves (a solve counts forever, so one
 * the export no longer shows is kept), against the stored revision it verifies (pure, used by evolve).
 */
export function verificationOf(state: StatsState, hour: HourState, event: StatsHourReread): Verification {
  const { revision } = event;
  const stored = hour.completed;
  if (!stored || stored.revision !== revision)
    return { revision, verdict: 'inconclusive', missing: `revision ${revision} is not the stored one` };
  const storedKeys = new Set(stored.solves.map(solveKey));
  const rereadKeys = new Set(event.solves.map(solveKey));
  const added = event.solves.filter((solve) => !storedKeys.has(solveKey(solve))).sort(bySolveKey);
  const missingSolves = stored.solves.filter((solve) => !rereadKeys.has(solveKey(solve))).sort(bySolveKey);
  const solves = [...stored.solves, ...added];

  const roles = new Map(hour.roles ?? []);
  for (const user of event.users) roles.set(user.id, user.role);
  const fetched = new Map(event.tickets.map((ticket) => [ticket.id, ticket.createdAt]));
  const createdAt = new Map<string, number>();
  const missing: string[] = [];
  for (const { ticketId, updaterId } of solves) {
    const created = state.createdAt.get(ticketId) ?? fetched.get(ticketId) ?? null;
    if (created === null) missing.push(`ticket ${ticketId} has no created_at`);
    else createdAt.set(ticketId, created);
    if (updaterId !== '-1' && !roles.has(updaterId)) missing.push(`updater ${updaterId} has no role`);
  }
  if (missing.length) return { revision, verdict: 'inconclusive', missing: [...new Set(missing)].join('; ') };
  const result = computeHourlyStats({ solves, createdAt, roles }, hour.windowStart, state.windowSeconds);
  const sha = resultSha256(result);
  if (sha === stored.resultSha256) return { revision, verdict: 'same' };
  return { revision, verdict: 'differs', result, resultSha256: sha, solves, added, missing: missingSolves };
}

/**
 * Stored windows due for their re-read (`verifyAfterSeconds` after storing, once per window), oldest first, and
 * when the next one falls due; windows in `deferred` (a re-read or revision failed lately) are left out.
 */
export function verificationDue(
  state: StatsState,
  now: number,
  config: StatsConfig,
  deferred: ReadonlySet<number> = new Set(),
): { due: { windowStart: number; revision: number }[]; next: number | null } {
  const after = config.verifyAfterSeconds ?? 0;
  const due: { windowStart: number; revision: number }[] = [];
  let next: number | null = null;
  if (after <= 0) return { due, next };
  for (const hour of state.hours.values()) {
    if (!hour.completed || hour.verification || deferred.has(hour.windowStart)) continue;
    const at = hour.completed.at + after;
    if (at <= now) due.push({ windowStart: hour.windowStart, revision: hour.completed.revision });
    else if (next === null || at < next) next = at;
  }
  return { due: due.sort((a, b) => a.windowStart - b.windowStart), next };
}

export type ReviseCommand = {
  kind: 'revise';
  windowStart: number;
  revision: number;
  result: Extract<Verification, { verdict: 'differs' }>['result'];
  resultSha256: string;
  diff: StatsHourRevised['diff'];
};

/** The oldest window whose re-read differs from its stored revision, as a revision to store; or null. */
export function revisionDue(
  state: StatsState,
  deferred: ReadonlySet<number> = new Set(),
): ReviseCommand | null {
  let oldest: HourState | null = null;
  for (const hour of state.hours.values()) {
    const check = hour.verification;
    if (check?.verdict !== 'differs' || hour.completed?.revision !== check.revision) continue;
    if (deferred.has(hour.windowStart)) continue;
    if (!oldest || hour.windowStart < oldest.windowStart) oldest = hour;
  }
  if (!oldest) return null;
  const completed = oldest.completed!;
  const check = oldest.verification as Extract<Verification, { verdict: 'differs' }>;
  const previous = completed.result as unknown as Record<string, unknown>;
  const next = check.result as unknown as Record<string, unknown>;
  return {
    kind: 'revise',
    windowStart: oldest.windowStart,
    revision: completed.revision + 1,
    result: check.result,
    resultSha256: check.resultSha256,
    diff: {
      previousRevision: completed.revision,
      previousResultSha256: completed.resultSha256,
      changedFields: Object.keys(next)
        .filter((field) => canonicalJson(previous[field] ?? null) !== canonicalJson(next[field] ?? null))
        .sort(),
      addedSolves: [...check.added],
      removedSolves: [...check.missing],
    },
  };
}
