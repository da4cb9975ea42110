import { http } from './net';
import type { WebhookFaults } from './faults';

export type SimulatorAction =
  | { kind: 'create'; requesterId: number }
  | { kind: 'solve'; ticketId: number }
  | { kind: 'reopen'; ticketId: number };

export interface DeliveryCounts {
  total: number;
  delivered: number;
  failed: number;
  dropped: number;
  pending: number;
}

/** The simulator's control endpoints (/_simulator/…) the suite drives Zendesk with. */
export class SimulatorClient {
  constructor(readonly url: string) {}

  addRequester(email: string | null, name?: string) {
    return http<{ id: number; email: string | null }>('POST', `${this.url}/_simulator/requesters`, {
      email,
      name,
    });
  }

  async apply(actions: SimulatorAction[]) {
    const { results } = await http<{ results: ({ ticketId: number; status: string } | { error: string })[] }>(
      'POST',
      `${this.url}/_simulator/actions`,
      { actions },
    );
    return results;
  }

  setWebhookFaults(faults: WebhookFaults) {
    return http('PUT', `${this.url}/_simulator/faults`, { webhooks: { ...faults } });
  }

  mark(label: string) {
    return http<{ label: string; at: string }>('POST', `${this.url}/_simulator/marks`, { label });
  }

  advanceClock(ms: number) {
    return http<{ offsetMs: number }>('POST', `${this.url}/_simulator/clock/advance`, { ms });
  }

  deliveries() {
    return http<DeliveryCounts>('GET', `${this.url}/_simulator/deliveries`);
  }

  deliveryLog() {
    return http<{ copy: number; outcome: string }[]>('GET', `${this.url}/_simulator/deliveries/log`);
  }

  /** Open ticket ids per requester email (lower-cased). */
  openTickets() {
    return http<Record<string, number[]>>('GET', `${this.url}/_simulator/truth/open-tickets`);
  }

  timeline() {
    return http<{ marks: { label: string }[]; openCounts: Record<string, number[]> }>(
      'GET',
      `${this.url}/_simulator/truth/timeline`,
      undefined,
      {},
      120_000,
    );
  }
}
