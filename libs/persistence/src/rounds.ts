export interface RoundsOptions {
  /** Pause after a round that found nothing to do. */
  idleMs: number;
  /** Pause after a round that failed (Kafka or Postgres away), so a long outage is not a busy loop. */
  errorMs: number;
  onError?: (error: Error) => void;
}

/**
 * Runs a round of background work again and again, one at a time: straight on while rounds find work, after a
 * pause when one found none or failed. `stop()` waits for the round in progress.
 */
export class Rounds {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;

  /** `round` returns how much it did; 0 means there was nothing to do. */
  constructor(
    private readonly round: () => Promise<number>,
    private readonly options: RoundsOptions,
  ) {}

  start(): void {
    this.stopped = false;
    const tick = async () => {
      const done = this.round().catch((error: Error) => {
        this.options.onError?.(error);
        return -1;
      });
      this.running = done;
      const did = await done;
      if (this.stopped) return;
      this.timer = setTimeout(tick, did > 0 ? 0 : did < 0 ? this.options.errorMs : this.options.idleMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
