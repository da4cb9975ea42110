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
import { addSolve, bySolveKey, solveFactsOf, type RawTicketEvent } from './solves';
import { auditsCoverageUntil } from './streams';
import { ticketFactOf, type RawTicket } from './tickets';
import { rereadNeeds } from './verify';

export interface StatsCollectorHooks {
  /** Each batch event once Kafka acknowledged it. */
  onEvent?: (event: StatsBatchEvent) => void;
  /** A window stored (not a replayed one found already stored). */
  onStored?: (windowStart: number) => void;
  /** A stored window revised after its verification re-read found other facts. */
  onRevised?: (windowStart: number) => void;
  /** A re-read or revision failed; its windows are tried again in an hour. */
  onVerificationFailed?: (windowStarts: number[], error: Error) => void;
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
  /** Window start → unix second until which its failed re-read or revision is left alone. */
  private readonly deferred = new Map<number, number>();

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
      const now = this.now();
      const deferred = new Set([...this.deferred].filter(([, until]) => until > now).map(([start]) => start));
      const command = decide(this.state, now, this.deps.config, deferred);
      if (command.kind === 'wait' || command.kind === 'halt' || stop()) return command;
      const events = await this.execute(command);
      if (events.length === 0) continue;
      // One send to the log's one partition: all of a walk's re-reads, or none.
      await this.deps.producer.publish(
        this.deps.topic,
        events.map((event) => ({ key: batchEventKey(event), value: event })),
      );
      for (const event of events) {
        this.state = evolve(this.state, event);
        this.deps.hooks?.onEvent?.(event);
      }
    }
  }

  /**
   * A re-read or revision that failed (Zendesk gave up, the stored row is not the revision the log expects) must
   * not hold up the windows still to store: its windows are left alone for an hour, the failure reported.
   */
  private async verification(
    windows: number[],
    work: () => Promise<StatsBatchEvent[]>,
  ): Promise<StatsBatchEvent[]> {
    try {
      return await work();
    } catch (error) {
      // A walk that failed before covering its first window says nothing of the others: only that one waits.
      const walk = error instanceof WalkFailed;
      const deferred = walk ? windows.slice(0, 1) : windows;
      for (const start of deferred) this.deferred.set(start, this.now() + VERIFICATION_RETRY_SECONDS);
      this.deps.hooks?.onVerificationFailed?.(deferred, walk ? error.cause : (error as Error));
      return [];
    }
  }

  private async execute(
    command: Exclude<StatsCommand, { kind: 'wait' | 'halt' }>,
  ): Promise<StatsBatchEvent[]> {
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
        const fetched = auditsPageFetched(
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
        return [fetched];
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
        const fetched = ticketsPageFetched(command, body, {
          serverDate: page.serverTime ?? this.now(),
          bodySha256: sha256(canonicalJson(body)),
          occurredAt,
        });
        return [fetched];
      }
      case 'open-hour':
        return [hourOpened(command, occurredAt)];
      case 'fetch-roles':
        return [usersFetched(command, await this.deps.zendesk.showManyUsers(command.userIds), occurredAt)];
      case 'finalize': {
        const outcome = await this.deps.store.complete(command, new Date(this.now() * 1000));
        if (outcome === 'stored') this.deps.hooks?.onStored?.(command.windowStart);
        return [hourCompleted(command, occurredAt)];
      }
      case 'verify':
        return this.verification(
          command.windows.map((w) => w.windowStart),
          () => this.reread(command.windows, occurredAt),
        );
      case 'revise':
        return this.verification([command.windowStart], async () => {
          const outcome = await this.deps.store.revise(command, new Date(this.now() * 1000));
          if (outcome === 'stored') this.deps.hooks?.onRevised?.(command.windowStart);
          return [hourRevised(command, occurredAt)];
        });
    }
  }

  /**
   * Stored windows' solves as the export shows them now, with the roles and created_at the log lacks for them:
   * one walk from the first window's start until it covers that window, and a re-read event for each window the
   * pages cover whole (one page covers many hours).
   */
  private async reread(
    windows: { windowStart: number; revision: number }[],
    occurredAt: string,
  ): Promise<StatsBatchEvent[]> {
    const { zendesk, perPage } = this.deps;
    const W = this.deps.config.windowSeconds;
    const first = windows[0]!.windowStart;
    const solves = new Map<string, StatsSolveFact>();
    let pages = 0;
    let covered = first; // every item before this second was returned
    try {
      for (let start = first; ;) {
        const page = await zendesk.incrementalTicketEvents(start, perPage);
        pages++;
        for (const solve of solveFactsOf(page.ticket_events as unknown as RawTicketEvent[]))
          addSolve(solves, solve);
        // As the walk proves it, a day on: nothing left to settle.
        covered = auditsCoverageUntil(page.end_time, page.end_of_stream, page.serverTime ?? this.now(), 0);
        if (page.end_of_stream || covered >= first + W) break;
        if (page.end_time <= start)
          throw new Error(`re-reading from ${start}: the page ends at ${page.end_time}, the walk stalls`);
        start = page.end_time;
      }
      if (covered < first + W)
        throw new Error(`re-reading ${first}: the export proves only up to ${covered}`);
    } catch (error) {
      throw new WalkFailed(error as Error);
    }
    const read = windows
      .filter((w) => w.windowStart + W <= covered)
      .map((w) => ({
        ...w,
        solves: [...solves.values()]
          .filter((s) => s.at >= w.windowStart && s.at < w.windowStart + W)
          .sort(bySolveKey),
      }));
    const needs = read.map((w) => rereadNeeds(this.state, w.windowStart, w.solves));
    const userIds = [...new Set(needs.flatMap((n) => n.userIds))];
    const ticketIds = [...new Set(needs.flatMap((n) => n.ticketIds))];
    const users = new Map(
      (userIds.length ? rolesOf(userIds, await zendesk.showManyUsers(userIds)) : []).map((u) => [u.id, u]),
    );
    const tickets = new Map(
      (ticketIds.length ? await zendesk.showManyTickets(ticketIds) : []).map((ticket) => {
        const fact = ticketFactOf(ticket as RawTicket);
        return [fact.id, fact];
      }),
    );
    return read.map((w, i) =>
      hourReread(
        w,
        {
          pages,
          solves: w.solves,
          users: needs[i]!.userIds.map((id) => users.get(id)!),
          tickets: needs[i]!.ticketIds.flatMap((id) => tickets.get(id) ?? []),
        },
        occurredAt,
      ),
    );
  }
}

/** A re-read walk that failed before covering its first window. */
class WalkFailed extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

/** How long a window whose re-read or revision failed is left alone. */
const VERIFICATION_RETRY_SECONDS = 3600;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
