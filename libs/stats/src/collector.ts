import { createHash } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import {
  decode,
  type StatsBatchEvent,
  type StatsSolveFact,
  type TopicDefinition,
} from '@ticketflow/contracts';
import { readToEnd, type EventProducer } from '@ticketflow/kafka';
import type { ZendeskClient } from '@ticketflow/zendesk';
import { canonicalJson } from './canonical';
import type { StatsConfig } from './config';
import { decide, type StatsCommand } from './decide';
import {
  auditsPageFetched,
  batchEventKey,
  hourCompleted,
  hourOpened,
  hourReread,
  hourRevised,
  rolesOf,
  ticketsPageFetched,
  usersFetched,
} from './events';
import { evolve, foldStatsLog } from './evolve';
import { initialStatsState, type StatsState } from './state';
import type { StatsStore } from './store';
import { preferredSolve, solveFactsOf, solveKey, type RawTicketEvent } from './solves';
import { ticketFactOf, type RawTicket } from './tickets';
import { EXPORT_LAG_SECONDS } from './time';
import { rereadNeeds } from './verify';

export interface StatsCollectorHooks {
  /** Each batch event once Kafka acknowledged it. */
  onEvent?: (event: StatsBatchEvent) => void;
  /** A window stored (not a replayed one found already stored). */
  onStored?: (windowStart: number) => void;
  /** A stored window revised after its verification re-read found other facts. */
  onRevised?: (windowStart: number) => void;
}

/**
 * The I/O around the pure core: replays the batch log, then asks `decide` for one command at a time, carries it out
 * (one Zendesk request, or storing a complete window), writes its event to the log and waits for Kafka's
 * acknowledgement before folding it in. Nothing is decided from a state Kafka does not hold: after any failure
 * the log is read again. Run by one instance at a time (the caller holds the lock).
 */
export class StatsCollector {
  private state: StatsState;
  /** Retries the client made for the request in progress (for the event's `attempts`). */
  private retries = 0;

  constructor(
    private readonly deps: {
      kafka: Kafka;
      producer: EventProducer;
      zendesk: ZendeskClient;
      store: StatsStore;
      topic: TopicDefinition<typeof StatsBatchEvent>;
      config: StatsConfig;
      /** Unix milliseconds; tests move it. */
      clock?: () => number;
      perPage?: number;
      hooks?: StatsCollectorHooks;
    },
  ) {
    this.state = initialStatsState(deps.config.windowSeconds);
  }

  get current(): StatsState {
    return this.state;
  }

  private now(): number {
    return Math.floor((this.deps.clock ?? Date.now)() / 1000);
  }

  /** Counts a retry of the Zendesk client (wire it to the client's `onRetry`). */
  noteRetry(): void {
    this.retries++;
  }

  /** Folds the whole batch log as Kafka holds it now; returns how many events it read. */
  async replay(): Promise<number> {
    const records = await readToEnd(this.deps.kafka, this.deps.topic.name);
    const events = records.map(({ message }) =>
      decode(this.deps.topic, JSON.parse(message.value!.toString('utf8'))),
    );
    this.state = foldStatsLog(initialStatsState(this.deps.config.windowSeconds), events);
    return events.length;
  }

  /** Carries out commands until `decide` waits or halts, and returns that command. */
  async runUntilWait(stop: () => boolean = () => false): Promise<StatsCommand> {
    for (;;) {
      const command = decide(this.state, this.now(), this.deps.config);
      if (command.kind === 'wait' || command.kind === 'halt' || stop()) return command;
      const event = await this.execute(command);
      await this.deps.producer.publish(this.deps.topic, [{ key: batchEventKey(event), value: event }]);
      this.state = evolve(this.state, event);
      this.deps.hooks?.onEvent?.(event);
    }
  }

  private async execute(command: Exclude<StatsCommand, { kind: 'wait' | 'halt' }>): Promise<StatsBatchEvent> {
    this.retries = 0;
    const occurredAt = new Date(this.now() * 1000).toISOString();
    switch (command.kind) {
      case 'fetch-audits': {
        const page = await this.deps.zendesk.incrementalTicketEvents(command.startTime, this.deps.perPage);
        const body = {
          ticket_events: page.ticket_events,
          count: page.count,
          end_time: page.end_time,
          end_of_stream: page.end_of_stream,
        };
        const json = canonicalJson(body);
        return auditsPageFetched(
          command,
          { ...body, ticket_events: page.ticket_events as unknown as RawTicketEvent[] },
          page.perPage,
          {
            serverDate: page.serverTime ?? this.now(),
            bodySha256: sha256(json),
            bytes: Buffer.byteLength(json),
            attempts: this.retries + 1,
            occurredAt,
          },
        );
      }
      case 'fetch-tickets': {
        const page = await this.deps.zendesk.incrementalTickets(
          'cursor' in command ? { cursor: command.cursor } : { startTime: command.startTime },
          this.deps.perPage,
        );
        const body = {
          tickets: page.tickets as unknown as RawTicket[],
          after_cursor: page.after_cursor ?? ('cursor' in command ? command.cursor : ''),
          end_of_stream: page.end_of_stream,
        };
        return ticketsPageFetched(command, body, {
          serverDate: page.serverTime ?? this.now(),
          bodySha256: sha256(canonicalJson(body)),
          occurredAt,
        });
      }
      case 'open-hour':
        return hourOpened(command, occurredAt);
      case 'fetch-roles': {
        return usersFetched(command, await this.deps.zendesk.showManyUsers(command.userIds), occurredAt);
      }
      case 'finalize': {
        const outcome = await this.deps.store.complete(command, new Date(this.now() * 1000));
        if (outcome === 'stored') this.deps.hooks?.onStored?.(command.windowStart);
        return hourCompleted(command, occurredAt);
      }
      case 'verify-hour':
        return hourReread(command, await this.reread(command.windowStart), occurredAt);
      case 'revise': {
        const outcome = await this.deps.store.revise(command, new Date(this.now() * 1000));
        if (outcome === 'stored') this.deps.hooks?.onRevised?.(command.windowStart);
        return hourRevised(command, occurredAt);
      }
    }
  }

  /** The window's solves as the export shows them now, and the roles and created_at the log lacks for them. */
  private async reread(windowStart: number) {
    const { zendesk, perPage } = this.deps;
    const end = windowStart + this.deps.config.windowSeconds;
    const solves = new Map<string, StatsSolveFact>();
    let pages = 0;
    for (let start = windowStart; ;) {
      const page = await zendesk.incrementalTicketEvents(start, perPage);
      pages++;
      for (const solve of solveFactsOf(page.ticket_events as unknown as RawTicketEvent[])) {
        if (solve.at < windowStart || solve.at >= end) continue;
        const known = solves.get(solveKey(solve));
        solves.set(solveKey(solve), known ? preferredSolve(known, solve) : solve);
      }
      if (page.end_of_stream) {
        if ((page.serverTime ?? this.now()) - EXPORT_LAG_SECONDS < end)
          throw new Error(`re-reading ${windowStart}: the export cannot prove the window's end yet`);
        break;
      }
      // A page holds every item of its last second: the window is read once a page reaches its last second.
      if (page.end_time >= end - 1) break;
      if (page.end_time <= start)
        throw new Error(`re-reading ${windowStart}: the page from ${start} ends at ${page.end_time}`);
      start = page.end_time;
    }
    const read = [...solves.values()].sort((a, b) => (solveKey(a) < solveKey(b) ? -1 : 1));
    const needs = rereadNeeds(this.state, windowStart, read);
    const users = needs.userIds.length
      ? rolesOf(needs.userIds, await zendesk.showManyUsers(needs.userIds))
      : [];
    const tickets = needs.ticketIds.length
      ? (await zendesk.showManyTickets(needs.ticketIds)).map((ticket) => ticketFactOf(ticket as RawTicket))
      : [];
    return { pages, solves: read, users, tickets };
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
