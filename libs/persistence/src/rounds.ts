export interface RoundsOptions {
  /** Pause after a round that found nothing to do (the fallback when no `wake()` comes, e.g. another replica's work). */
  idleMs: number;
  /** Pause after a round that failed (Kafka or Postgres away), so a long outage is not a busy loop. */
  errorMs: number;
  onError?: (error: Error) => void;
}

/**
 * Runs a round of background work again and again, one at a time: straight on while rounds find work, after a
 * pause when one found none or failed. `wake()` (work was just committed) ends an idle pause, or has the round in
 * progress followed by another at once. `stop()` waits for the round in progress.
 */
export class Rounds {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;
  /** Set by wake() during a round: the next one starts without a pause. */
  private again = false;
  /** The current pause follows a failure: wake() does not shorten it. */
  private backingOff = false;

  /** `round` returns how much it did; 0 means there was nothing to do. */
  constructor(
    private readonly round: () => Promise<number>,
    private readonly options: RoundsOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** New work was committed in this process: run a round now rather than at the end of the idle pause. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else if (this.timer && !this.backingOff) {
      clearTimeout(this.timer);
      this.schedule(0);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(ms: number) {
    this.backingOff = false;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick() {
    this.timer = null;
    this.again = false;
    const done = this.round().catch((error: Error) => {
      this.options.onError?.(error);
      return -1;
    });
    this.running = done;
    const did = await done;
    this.running = null;
    if (this.stopped) return;
    if (did < 0) {
      this.schedule(this.options.errorMs);
      this.backingOff = true;
    } else this.schedule(did > 0 || this.again ? 0 : this.options.idleMs);
  }
}
