import { createHash } from 'node:crypto';
import { UNSOLVED_STATUSES } from '@ticketflow/contracts';
import type { StatusTransition, TicketChange } from './model';
import type { World } from './world';

export type MetricName = 'reply_time' | 'agent_work_time' | 'requester_wait_time' | 'resolution_time';
export type MetricEventType = 'activate' | 'pause' | 'fulfill';

/** One item of `GET /api/v2/incremental/ticket_metric_events`, as Zendesk documents it. */
export interface TicketMetricEvent {
  id: number;
  ticket_id: number;
  metric: MetricName;
  instance_id: number;
  type: MetricEventType;
  time: string;
}

interface Logged {
  at: number;
  event: TicketMetricEvent;
}

/**
 * A ticket's metric events from its status history and its first agent comment (S4): creation activates the four
 * metrics; pending pauses agent work and requester wait, hold pauses agent work, leaving those statuses activates
 * them again; a solve fulfills resolution, agent work and requester wait; a reopen after a solve activates them
 * as a new instance; the first public comment of someone other than the requester fulfills reply time.
 */
export function metricEventsOf(
  ticketId: number,
  requesterId: number,
  history: readonly StatusTransition[],
  changes: readonly TicketChange[],
): Logged[] {
  const events: Logged[] = [];
  const instance: Record<MetricName, number> = {
    reply_time: 1,
    agent_work_time: 1,
    requester_wait_time: 1,
    resolution_time: 1,
  };
  const push = (at: number, metric: MetricName, type: MetricEventType, key: string) =>
    events.push({
      at,
      event: {
        id: metricEventId(`${ticketId}:${key}:${metric}:${type}`),
        ticket_id: ticketId,
        metric,
        instance_id: instance[metric],
        type,
        time: new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      },
    });
  const working = ['agent_work_time', 'requester_wait_time'] as const;
  const paused = new Set<MetricName>();
  for (const { at, from, to, sequenceId } of history) {
    if (from === null) {
      for (const metric of ['reply_time', ...working, 'resolution_time'] as const)
        push(at, metric, 'activate', sequenceId);
    } else if (from === 'solved' && to !== 'closed') {
      paused.clear();
      for (const metric of [...working, 'resolution_time'] as const) {
        instance[metric]++;
        push(at, metric, 'activate', sequenceId);
      }
    }
    if (UNSOLVED_STATUSES.has(to)) {
      // Agent work stops while pending or on hold; the requester waits on hold, not while pending.
      const pause = {
        agent_work_time: to === 'pending' || to === 'hold',
        requester_wait_time: to === 'pending',
      };
      for (const metric of working)
        if (pause[metric] && !paused.has(metric)) {
          paused.add(metric);
          push(at, metric, 'pause', sequenceId);
        } else if (!pause[metric] && paused.has(metric)) {
          paused.delete(metric);
          push(at, metric, 'activate', sequenceId);
        }
    } else if (to === 'solved' && (from === null || UNSOLVED_STATUSES.has(from))) {
      paused.clear();
      for (const metric of ['resolution_time', ...working] as const) push(at, metric, 'fulfill', sequenceId);
    }
  }
  const reply = changes.find(
    (change) => change.kind === 'comment' && change.comment?.public && change.actorId !== requesterId,
  );
  if (reply) push(reply.at, 'reply_time', 'fulfill', reply.sequenceId);
  return events;
}

const metricEventId = (key: string) =>
  parseInt(createHash('sha1').update(key).digest('hex').slice(0, 12), 16);

/**
 * Every metric event of the account in time order, rebuilt after the world changed (the endpoint is read rarely:
 * a cross-check, not a walk the collector depends on).
 */
export class MetricEventLog {
  private entries: Logged[] | null = null;

  constructor(private readonly world: World) {
    world.onUpdate(() => (this.entries = null));
  }

  private all(): Logged[] {
    if (this.entries) return this.entries;
    const entries: Logged[] = [];
    for (const id of this.world.ids()) {
      const ticket = this.world.ticket(id)!;
      const history = this.world.state(id)?.history ?? [];
      entries.push(...metricEventsOf(id, ticket.seed.requesterId, history, ticket.changes));
    }
    entries.sort((a, b) => a.at - b.at || a.event.id - b.event.id);
    return (this.entries = entries);
  }

  /**
   * Up to `size` events at or after `startTime` (unix seconds) and after `after` (the last one returned), up to
   * `untilMs`; with `wholeSeconds` (the time-based form) past `size` to the end of the last item's second.
   */
  page(
    startTime: number,
    untilMs: number,
    size: number,
    after: { at: number; id: number } | null = null,
    wholeSeconds = false,
  ) {
    const entries = this.all();
    let lo = 0;
    let hi = entries.length;
    const from = after ?? { at: startTime * 1000 - 1, id: Number.MAX_SAFE_INTEGER };
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = entries[mid]!;
      if (e.at < from.at || (e.at === from.at && e.event.id <= from.id)) lo = mid + 1;
      else hi = mid;
    }
    const items: Logged[] = [];
    let i = lo;
    const second = (ms: number) => Math.floor(ms / 1000);
    for (; i < entries.length && entries[i]!.at <= untilMs; i++) {
      const full = items.length >= size;
      if (full && !(wholeSeconds && second(entries[i]!.at) === second(items.at(-1)!.at))) break;
      items.push(entries[i]!);
    }
    const hasMore = i < entries.length && entries[i]!.at <= untilMs;
    const last = items.at(-1);
    return {
      events: items.map((item) => item.event),
      hasMore,
      last: last ? { at: last.at, id: last.event.id } : after,
    };
  }
}

const logs = new WeakMap<World, MetricEventLog>();
export function metricEventLogOf(world: World): MetricEventLog {
  let log = logs.get(world);
  if (!log) logs.set(world, (log = new MetricEventLog(world)));
  return log;
}
