import type { UserAlertEvent, UserOpenTicketsChanged } from '@ticketflow/contracts';

/** What alerting remembers per user. */
export interface UserAlertState {
  userId: string;
  openTicketIds: string[];
  openCount: number;
  /** Above the threshold: an exceeded alert was emitted and no recovery since (the alert is disarmed). */
  above: boolean;
  /** Version of the last open set applied (null for sets published without one). */
  version: number | null;
}

export interface Decision {
  state: UserAlertState;
  alerts: Omit<UserAlertEvent, 'eventId' | 'occurredAt'>[];
}

/**
 * One user's open tickets changed (pure decide + evolve): `user.threshold.exceeded` once when the count goes above
 * the threshold, `user.threshold.recovered` once when it falls back to it or below, nothing in between.
 * A set not newer than the one applied (a redelivery, or an older set that reached Kafka late) changes nothing.
 */
export function decide(
  state: UserAlertState | null,
  change: UserOpenTicketsChanged,
  threshold: number,
): Decision {
  if (state?.version != null && change.version !== undefined && change.version <= state.version)
    return { state, alerts: [] };
  const above = change.openCount > threshold;
  const next: UserAlertState = {
    userId: change.userId,
    openTicketIds: change.openTicketIds,
    openCount: change.openCount,
    above,
    version: change.version ?? state?.version ?? null,
  };
  const wasAbove = state?.above ?? false;
  if (above === wasAbove) return { state: next, alerts: [] };
  const alert = {
    schemaVersion: 1 as const,
    userId: change.userId,
    openCount: change.openCount,
    openTicketIds: change.openTicketIds,
    threshold,
  };
  return {
    state: next,
    alerts: [{ ...alert, type: above ? 'user.threshold.exceeded' : 'user.threshold.recovered' }],
  };
}
