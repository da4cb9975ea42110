import { statusCategoryOf } from '@ticketflow/contracts';
import type { RestTicketStatus, RestUser } from '@ticketflow/zendesk';
import {
  buildDirectory,
  CUSTOM_STATUSES,
  defaultCustomStatus,
  REQUESTER_ID_BASE,
  type Directory,
} from './directory';
import { evolve, generateTicket, initialState, stateAt, ticketIdOf, type WorldShape } from './lifecycle';
import { type TicketChange, type TicketPriority, type TicketSeed, type TicketState } from './model';

export interface WorldOptions {
  seed?: number;
  /** 10 to 1,000,000. */
  tickets?: number;
  /** How far back the generated history reaches. */
  historyDays?: number;
  clock?: () => number;
  host?: string;
  /** When the world was made (its generated history ends two minutes before); default: now. */
  createdAt?: number;
}

/**
 * A world's journal line: one ticket's live record with the counters after its change, or a requester added.
 */
export type WorldJournalEntry =
  | {
      id: number;
      ticket: { seed: TicketSeed; changes: TicketChange[] };
      nextTicketIndex: number;
      sequence: number;
      commentIds: number;
    }
  | { requester: RestUser };

/** What a seed cannot regenerate: the world's creation time, its live changes and the requesters added to it. */
export interface WorldSnapshot {
  version: 1;
  seed: number;
  tickets: number;
  historyDays: number;
  createdAt: number;
  nextTicketIndex: number;
  sequence: number;
  commentIds: number;
  live: [number, { seed: TicketSeed; changes: TicketChange[] }][];
  addedRequesters: Directory['requesters'];
}

/** What one action did to a ticket: the webhook sender turns it into deliveries. */
export interface TicketUpdate {
  ticketId: number;
  sequenceId: string;
  before: TicketState | null;
  after: TicketState;
  changes: TicketChange[];
}

export interface TicketPatch {
  status?: RestTicketStatus;
  customStatusId?: number;
  assigneeId?: number | null;
  priority?: TicketPriority;
  comment?: { body: string; public?: boolean; authorId?: number };
}

interface Position {
  at: number;
  id: number;
}

const comparePosition = (a: Position, b: Position) => a.at - b.at || a.id - b.id;

/**
 * The simulated Zendesk account: a generated history (regenerated per ticket on demand, so a million tickets fit
 * in memory) plus every change made live through the API or a scenario.
 */
export class World {
  readonly shape: WorldShape;
  readonly directory: Directory;
  readonly clock: () => number;
  host: string;
  private readonly baseCount: number;
  /** Base tickets ordered by last update (export order), as parallel typed arrays. */
  private readonly baseOrderIds: Uint32Array;
  private readonly baseUpdatedAt: Float64Array;
  /** Requester of each base ticket by index (ids exceed 32 bits): lists by requester need no regeneration. */
  private readonly baseRequesterIds: Float64Array;
  /** Tickets changed or created live: their own changes, and their place in export order. */
  private readonly live = new Map<number, { seed: TicketSeed; changes: TicketChange[] }>();
  private liveOrder: Position[] = [];
  private readonly listeners: ((update: TicketUpdate) => void)[] = [];
  private readonly requesterListeners: ((user: RestUser) => void)[] = [];
  private nextTicketIndex: number;
  private sequence = 0;
  private commentIds = 0;
  private readonly createdAt: number;
  private readonly historyDays: number;

  constructor(options: WorldOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.host = options.host ?? 'http://127.0.0.1';
    const tickets = options.tickets ?? 200;
    if (tickets < 1 || tickets > 1_000_000) throw new Error('tickets must be between 1 and 1,000,000');
    const now = options.createdAt ?? this.clock();
    this.createdAt = now;
    this.historyDays = options.historyDays ?? 30;
    const directory = buildDirectory(
      options.seed ?? 42,
      tickets,
      new Date(now - (options.historyDays ?? 30) * 86_400_000).toISOString(),
      this.host,
    );
    this.directory = directory;
    this.shape = {
      seed: options.seed ?? 42,
      ticketCount: tickets,
      requesterCount: directory.requesters.length,
      agentCount: directory.agents.length,
      start: now - (options.historyDays ?? 30) * 86_400_000,
      // History ends two minutes back so that the export's "last minute excluded" rule has live data to act on.
      now: now - 120_000,
    };
    this.baseCount = tickets;
    this.nextTicketIndex = tickets;
    const updatedAt = new Float64Array(tickets);
    this.baseRequesterIds = new Float64Array(tickets);
    for (let i = 0; i < tickets; i++) {
      const { seed, changes } = generateTicket(this.shape, i);
      updatedAt[i] = changes[changes.length - 1]!.at;
      this.baseRequesterIds[i] = seed.requesterId;
    }
    const order = Array.from({ length: tickets }, (_, i) => i).sort(
      (a, b) => updatedAt[a]! - updatedAt[b]! || a - b,
    );
    this.baseOrderIds = Uint32Array.from(order, (i) => ticketIdOf(i));
    this.baseUpdatedAt = Float64Array.from(order, (i) => updatedAt[i]!);
  }

  get ticketCount() {
    return this.nextTicketIndex;
  }

  // ---- saving and restoring (apps/zendesk-simulator keeps its world across restarts) ----

  snapshot(): WorldSnapshot {
    return {
      version: 1,
      seed: this.shape.seed,
      tickets: this.baseCount,
      historyDays: this.historyDays,
      createdAt: this.createdAt,
      nextTicketIndex: this.nextTicketIndex,
      sequence: this.sequence,
      commentIds: this.commentIds,
      live: [...this.live],
      addedRequesters: this.directory.requesters.slice(this.shape.requesterCount),
    };
  }

  /** The world a snapshot (and the journal entries written after it) describe. */
  static restore(
    snapshot: WorldSnapshot,
    journal: WorldJournalEntry[] = [],
    options: Pick<WorldOptions, 'clock' | 'host'> = {},
  ): World {
    const world = new World({
      ...options,
      seed: snapshot.seed,
      tickets: snapshot.tickets,
      historyDays: snapshot.historyDays,
      createdAt: snapshot.createdAt,
    });
    for (const user of snapshot.addedRequesters) world.addToDirectory(user);
    for (const [id, ticket] of snapshot.live) world.live.set(id, ticket);
    world.nextTicketIndex = snapshot.nextTicketIndex;
    world.sequence = snapshot.sequence;
    world.commentIds = snapshot.commentIds;
    // Entries are whole records with the counters after them: applying one twice changes nothing.
    for (const entry of journal) {
      if ('requester' in entry) {
        if (!world.directory.usersById.has(entry.requester.id)) world.addToDirectory(entry.requester);
        continue;
      }
      world.live.set(entry.id, entry.ticket);
      world.nextTicketIndex = Math.max(world.nextTicketIndex, entry.nextTicketIndex);
      world.sequence = Math.max(world.sequence, entry.sequence);
      world.commentIds = Math.max(world.commentIds, entry.commentIds);
    }
    world.liveOrder = [...world.live]
      .map(([id, ticket]) => ({ at: ticket.changes[ticket.changes.length - 1]!.at, id }))
      .sort(comparePosition);
    return world;
  }

  onRequesterAdded(listener: (user: RestUser) => void): () => void {
    this.requesterListeners.push(listener);
    return () => this.requesterListeners.splice(this.requesterListeners.indexOf(listener), 1);
  }

  /** A requester of the caller's own; `email: null` is a phone, messaging or social user. */
  addRequester(input: { name?: string; email: string | null }): { id: number; email: string | null } {
    const email = input.email?.trim() || null;
    if (email && this.directory.usersByEmail.has(email.toLowerCase()))
      throw new WorldError(422, 'RecordInvalid', `Email ${email} is already being used by another user`);
    // Ids continue the generated range: requesters only ever grow.
    const id = REQUESTER_ID_BASE + this.directory.requesters.length;
    const now = new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const user: RestUser = {
      id,
      url: `${this.host}/api/v2/users/${id}.json`,
      name: input.name ?? `Requester ${id}`,
      email: email as string,
      role: 'end-user',
      active: true,
      suspended: false,
      default_group_id: null,
      created_at: now,
      updated_at: now,
    };
    this.addToDirectory(user);
    for (const listener of this.requesterListeners) listener(user);
    return { id, email };
  }

  private addToDirectory(user: RestUser) {
    this.directory.requesters.push(user);
    this.directory.usersById.set(user.id, user);
    if (user.email) this.directory.usersByEmail.set(user.email.toLowerCase(), user);
  }

  /** The journal line for a ticket just changed (see restore). */
  journalEntry(id: number): WorldJournalEntry {
    return {
      id,
      ticket: this.live.get(id)!,
      nextTicketIndex: this.nextTicketIndex,
      sequence: this.sequence,
      commentIds: this.commentIds,
    };
  }

  onUpdate(listener: (update: TicketUpdate) => void): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  exists(id: number): boolean {
    const index = id - ticketIdOf(0);
    return Number.isInteger(index) && index >= 0 && index < this.nextTicketIndex;
  }

  ticket(id: number): { seed: TicketSeed; changes: TicketChange[] } | null {
    if (!this.exists(id)) return null;
    const live = this.live.get(id);
    if (live) return live;
    return generateTicket(this.shape, id - ticketIdOf(0));
  }

  /** A ticket's state at a moment (default: now), or null if it did not exist yet. */
  state(id: number, at = Infinity): TicketState | null {
    const ticket = this.ticket(id);
    return ticket ? stateAt(ticket.seed, ticket.changes, at) : null;
  }

  /** Every ticket id, ascending. */
  *ids(): Generator<number> {
    for (let i = 0; i < this.nextTicketIndex; i++) yield ticketIdOf(i);
  }

  /** Ids of the tickets a user requested, ascending (a ticket's requester never changes in the simulator). */
  requestedBy(userId: number): number[] {
    const ids: number[] = [];
    for (let i = 0; i < this.nextTicketIndex; i++) {
      const id = ticketIdOf(i);
      const requester = i < this.baseCount ? this.baseRequesterIds[i] : this.live.get(id)!.seed.requesterId;
      if (requester === userId) ids.push(id);
    }
    return ids;
  }

  /**
   * Tickets in export order (last update, then id) strictly after `after`, updated at or after `fromMs` and at or
   * before `untilMs`. Merges the base order (skipping live-changed tickets) with the live order.
   */
  *inUpdateOrder(after: Position | null, fromMs: number, untilMs: number): Generator<Position> {
    const start: Position = after && after.at >= fromMs ? after : { at: fromMs, id: -1 };
    let b = this.lowerBound(start);
    let l = lowerBoundPositions(this.liveOrder, start);
    const live = this.liveOrder;
    for (;;) {
      while (b < this.baseCount && this.live.has(this.baseOrderIds[b]!)) b++;
      const base = b < this.baseCount ? { at: this.baseUpdatedAt[b]!, id: this.baseOrderIds[b]! } : null;
      const next = l < live.length ? live[l]! : null;
      const candidate = base && (!next || comparePosition(base, next) < 0) ? base : next;
      if (!candidate || candidate.at > untilMs) return;
      if (candidate === base) b++;
      else l++;
      if (comparePosition(candidate, start) > 0) yield candidate;
    }
  }

  private lowerBound(p: Position): number {
    let lo = 0;
    let hi = this.baseCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePosition({ at: this.baseUpdatedAt[mid]!, id: this.baseOrderIds[mid]! }, p) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // ---- live changes (REST writes and scenarios) ----

  createTicket(input: {
    requesterId?: number;
    requesterEmail?: string;
    subject?: string;
    priority?: TicketPriority;
    type?: TicketSeed['type'];
    groupId?: number;
  }): TicketUpdate {
    const requester =
      input.requesterId ??
      (input.requesterEmail
        ? this.directory.usersByEmail.get(input.requesterEmail.toLowerCase())?.id
        : undefined) ??
      REQUESTER_ID_BASE;
    const id = ticketIdOf(this.nextTicketIndex++);
    const seed: TicketSeed = {
      id,
      subject: input.subject ?? `New request (#${id})`,
      description: input.subject ?? 'New request',
      requesterId: requester,
      groupId: input.groupId ?? this.directory.groups[0]!.id,
      organizationId: null,
      type: input.type ?? 'question',
      channel: 'api',
      tags: [],
    };
    this.live.set(id, { seed, changes: [] });
    return this.apply(id, [
      {
        kind: 'created',
        actorId: requester,
        status: 'new',
        customStatusId: 1,
        priority: input.priority ?? 'normal',
        comment: { id: ++this.commentIds, public: true, body: seed.description },
      },
    ]);
  }

  updateTicket(id: number, patch: TicketPatch): TicketUpdate {
    const current = this.requireActive(id);
    const actor = patch.comment?.authorId ?? current.assigneeId ?? this.directory.agents[0]!.id;
    const changes: Omit<TicketChange, 'at' | 'sequenceId'>[] = [];
    if (patch.assigneeId !== undefined && patch.assigneeId !== current.assigneeId)
      changes.push({ kind: 'assign', actorId: actor, assigneeId: patch.assigneeId });
    if (patch.comment)
      changes.push({
        kind: 'comment',
        actorId: actor,
        comment: { id: ++this.commentIds, public: patch.comment.public ?? true, body: patch.comment.body },
      });
    if (patch.priority && patch.priority !== current.priority)
      changes.push({ kind: 'priority', actorId: actor, priority: patch.priority });
    const status = patch.status ?? statusOfCustom(patch.customStatusId);
    if (status && (status !== current.status || (patch.customStatusId ?? null) !== null)) {
      if (current.status === 'closed')
        throw new WorldError(422, 'RecordInvalid', 'Status: closed prevents ticket update');
      const customStatusId = patch.customStatusId ?? defaultCustomStatus(statusCategoryOf(status)!).id;
      if (status !== current.status || customStatusId !== current.customStatusId)
        changes.push({ kind: 'status', actorId: actor, status, customStatusId });
    }
    return this.apply(id, changes);
  }

  softDelete(id: number): TicketUpdate {
    this.requireActive(id);
    return this.apply(id, [{ kind: 'soft_delete', actorId: this.directory.agents[0]!.id }]);
  }

  undelete(id: number): TicketUpdate {
    const state = this.state(id);
    if (state?.deleted !== 'soft') throw new WorldError(404, 'RecordNotFound', 'Not found');
    return this.apply(id, [{ kind: 'undelete', actorId: this.directory.agents[0]!.id }]);
  }

  permanentlyDelete(id: number): TicketUpdate {
    const state = this.state(id);
    if (state?.deleted !== 'soft') throw new WorldError(404, 'RecordNotFound', 'Not found');
    return this.apply(id, [{ kind: 'permanent_delete', actorId: this.directory.agents[0]!.id }]);
  }

  markAsSpam(id: number): TicketUpdate {
    this.requireActive(id);
    return this.apply(id, [{ kind: 'spam', actorId: this.directory.agents[0]!.id }]);
  }

  merge(sourceId: number, targetId: number): TicketUpdate {
    this.requireActive(sourceId);
    this.requireActive(targetId);
    return this.apply(sourceId, [
      { kind: 'merge', actorId: this.directory.agents[0]!.id, mergedInto: targetId },
    ]);
  }

  private requireActive(id: number): TicketState {
    const state = this.state(id);
    if (!state || state.deleted) throw new WorldError(404, 'RecordNotFound', 'Not found');
    return state;
  }

  private apply(id: number, partial: Omit<TicketChange, 'at' | 'sequenceId'>[]): TicketUpdate {
    const ticket = this.ticket(id)!;
    const before = stateAt(ticket.seed, ticket.changes);
    // Live changes never go back in time, even if the clock does (tests with a fixed clock).
    const lastAt = ticket.changes.length ? ticket.changes[ticket.changes.length - 1]!.at : 0;
    const at = Math.max(this.clock(), lastAt + 1);
    const sequenceId = `live-${++this.sequence}`;
    const changes = partial.map((change) => ({ ...change, at, sequenceId }) as TicketChange);
    if (changes.length === 0) return { ticketId: id, sequenceId, before, after: before!, changes };
    const updated = { seed: ticket.seed, changes: [...ticket.changes, ...changes] };
    this.live.set(id, updated);
    this.liveOrder = this.liveOrder.filter((p) => p.id !== id);
    this.liveOrder.splice(lowerBoundPositions(this.liveOrder, { at, id }), 0, { at, id });
    const after = changes.reduce(evolve, before ?? initialState(ticket.seed));
    const update: TicketUpdate = { ticketId: id, sequenceId, before, after, changes };
    for (const listener of this.listeners) listener(update);
    return update;
  }
}

export class WorldError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
  ) {
    super(`${code}: ${description}`);
  }
}

function statusOfCustom(customStatusId: number | undefined): RestTicketStatus | undefined {
  if (customStatusId === undefined) return undefined;
  const custom = CUSTOM_STATUSES.find((s) => s.id === customStatusId);
  if (!custom)
    throw new WorldError(422, 'RecordInvalid', `custom_status_id ${customStatusId} does not exist`);
  return custom.category;
}

function lowerBoundPositions(list: Position[], p: Position): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePosition(list[mid]!, p) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
