import { nextStatus, customStatusFor } from './lifecycle';
import { isOpen } from './model';
import { mulberry32, pick, type Rng } from './random';
import type { World } from './world';

export interface ScenarioOptions {
  /** Ticket actions per second (each makes one or more webhook events). */
  ratePerSecond: number;
  /** Stop after this many actions (default: until stop()). */
  actions?: number;
  seed?: number;
  /** Share of actions that create a ticket; the rest move an existing open ticket along its life. */
  createShare?: number;
}

/**
 * Drives a world live at a steady rate: creates tickets for requesters and moves open ones through their life
 * (including custom statuses, reassignments, deletes, merges and spam), each action firing the webhooks.
 */
export class ScenarioRunner {
  private timer: NodeJS.Timeout | null = null;
  private readonly rng: Rng;
  private readonly active: number[] = [];
  performed = 0;
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    private readonly world: World,
    private readonly options: ScenarioOptions,
  ) {
    this.rng = mulberry32(options.seed ?? 11);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    // Candidates to move: the most recent tickets of the generated history that are still open.
    for (let id = Math.max(0, world.ticketCount - 2_000); id < world.ticketCount; id++) {
      const ticketId = id + 1000;
      const state = world.state(ticketId);
      if (state && isOpen(state)) this.active.push(ticketId);
    }
  }

  start(): this {
    const started = Date.now();
    const tick = () => {
      const due = Math.floor(((Date.now() - started) / 1000) * this.options.ratePerSecond) + 1;
      while (this.performed < due && !this.finished()) this.step();
      if (this.finished()) this.stop();
    };
    tick();
    this.timer = setInterval(tick, Math.max(1, Math.min(100, 1000 / this.options.ratePerSecond)));
    return this;
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.resolveDone();
  }

  private finished() {
    return this.options.actions !== undefined && this.performed >= this.options.actions;
  }

  /** One action on the world. */
  step() {
    this.performed++;
    const { requesters, agents } = this.world.directory;
    if (this.active.length === 0 || this.rng() < (this.options.createShare ?? 0.3)) {
      const requester =
        requesters[Math.min(requesters.length - 1, Math.floor(requesters.length * this.rng() ** 2))]!;
      this.active.push(
        this.world.createTicket({
          requesterId: requester.id,
          priority: pick(this.rng, ['low', 'normal', 'high'] as const),
        }).ticketId,
      );
      return;
    }
    const index = Math.floor(this.rng() * this.active.length);
    const id = this.active[index]!;
    const state = this.world.state(id);
    if (!state || !isOpen(state)) {
      this.active.splice(index, 1);
      return;
    }
    const r = this.rng();
    if (r < 0.01) this.world.softDelete(id);
    else if (r < 0.015) this.world.markAsSpam(id);
    else if (r < 0.02 && this.active.length > 1)
      this.world.merge(id, this.active[(index + 1) % this.active.length]!);
    else {
      const status = nextStatus(this.rng, state.status) ?? 'open';
      this.world.updateTicket(id, {
        status,
        customStatusId: customStatusFor(this.rng, status),
        assigneeId: state.assigneeId ?? pick(this.rng, agents).id,
        comment:
          status === 'pending' || status === 'solved'
            ? { body: 'Agent reply', authorId: state.assigneeId ?? agents[0]!.id }
            : undefined,
      });
    }
    const after = this.world.state(id);
    if (!after || !isOpen(after)) this.active.splice(index, 1);
  }
}
