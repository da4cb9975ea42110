import { between, pick, shuffle, streamOf, type Rng } from './random';

/** Services the suite may kill: never the simulator, which holds Zendesk's truth in memory. */
export const KILLABLE = [
  'webhook-gateway',
  'enrichment-1',
  'enrichment-2',
  'alerting-1',
  'alerting-2',
] as const;
export type Killable = (typeof KILLABLE)[number];

export interface FaultOptions {
  seed: number;
  rounds: number;
  /** kill -9 of a service process, then a restart. */
  kills: number;
  /** A third enrichment or alerting member joining and leaving its group. */
  rebalances: number;
  /** kill -9 of a broker (the leader of a ticket-events partition with three brokers), then a restart. */
  brokerKills: number;
  postgresRestarts: number;
  /** Share of rounds whose webhooks are duplicated, reordered and dropped. */
  webhookFaultShare: number;
}

/** Milliseconds are counted from the moment the round's writes were made. */
export type Fault =
  | { kind: 'kill'; target: Killable; atMs: number; downMs: number }
  | { kind: 'rebalance'; group: 'enrichment' | 'alerting'; atMs: number; stayMs: number }
  | { kind: 'broker-kill'; atMs: number; downMs: number }
  | { kind: 'postgres-restart'; atMs: number; downMs: number };

export interface WebhookFaults {
  duplicateRate: number;
  reorderRate: number;
  dropRate: number;
}

export interface RoundFaults {
  round: number;
  faults: Fault[];
  webhooks: WebhookFaults;
}

export const NO_WEBHOOK_FAULTS: WebhookFaults = { duplicateRate: 0, reorderRate: 0, dropRate: 0 };

/** Rounds 1..n for `count` faults: spread over the run, several per round when there are more faults than rounds. */
function roundsFor(rng: Rng, count: number, rounds: number): number[] {
  const all = Array.from({ length: rounds }, (_, i) => i + 1);
  const out: number[] = [];
  while (out.length < count) out.push(...shuffle(rng, all).slice(0, count - out.length));
  return out;
}

/** The seeded fault schedule of a run: which fault happens in which round, when, and for how long. */
export function planFaults(options: FaultOptions): RoundFaults[] {
  const rng = streamOf(options.seed, 'faults');
  const plan: RoundFaults[] = Array.from({ length: options.rounds }, (_, i) => ({
    round: i + 1,
    faults: [],
    webhooks:
      rng() < options.webhookFaultShare
        ? { duplicateRate: 0.1, reorderRate: 0.2, dropRate: 0.03 }
        : NO_WEBHOOK_FAULTS,
  }));
  const at = (round: number, fault: Fault) => plan[round - 1]!.faults.push(fault);
  for (const round of roundsFor(rng, options.kills, options.rounds))
    at(round, {
      kind: 'kill',
      target: pick(rng, KILLABLE),
      atMs: between(rng, 0, 2_500),
      downMs: between(rng, 500, 4_000),
    });
  for (const [i, round] of roundsFor(rng, options.rebalances, options.rounds).entries())
    at(round, {
      kind: 'rebalance',
      group: i % 2 === 0 ? 'enrichment' : 'alerting',
      atMs: between(rng, 0, 1_500),
      stayMs: between(rng, 3_000, 8_000),
    });
  // Outages of shared infrastructure after the first round, so that the run has something in flight to lose.
  const later = Math.max(1, options.rounds - 1);
  for (const round of roundsFor(rng, options.brokerKills, later))
    at(round + (options.rounds > 1 ? 1 : 0), {
      kind: 'broker-kill',
      atMs: between(rng, 0, 1_500),
      downMs: between(rng, 2_000, 8_000),
    });
  for (const round of roundsFor(rng, options.postgresRestarts, later))
    at(round + (options.rounds > 1 ? 1 : 0), {
      kind: 'postgres-restart',
      atMs: between(rng, 0, 1_500),
      downMs: between(rng, 1_000, 6_000),
    });
  for (const round of plan) round.faults.sort((a, b) => a.atMs - b.atMs);
  return plan;
}

export function describeFault(fault: Fault): string {
  const at = `@${(fault.atMs / 1000).toFixed(1)}s`;
  switch (fault.kind) {
    case 'kill':
      return `kill -9 ${fault.target} ${at} (down ${(fault.downMs / 1000).toFixed(1)}s)`;
    case 'rebalance':
      return `third ${fault.group} member ${at} (stays ${(fault.stayMs / 1000).toFixed(1)}s)`;
    case 'broker-kill':
      return `broker kill -9 ${at} (down ${(fault.downMs / 1000).toFixed(1)}s)`;
    case 'postgres-restart':
      return `postgres crash-restart ${at} (down ${(fault.downMs / 1000).toFixed(1)}s)`;
  }
}
