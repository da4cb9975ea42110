import type { DataSource, QueryRunner } from 'typeorm';
import type { StatsCollector } from './collector';

export interface StatsRunnerOptions {
  /** `continuous`: wait for the next window and go on; `once`: stop when nothing is left to do (a CronJob). */
  mode: 'continuous' | 'once';
  /** Pause after a failure (Zendesk gave up, Kafka or Postgres away) before reading the log again. */
  errorMs?: number;
  /** Longest sleep, so a clock jump or a lost lock is noticed. */
  maxSleepMs?: number;
  clock?: () => number;
  onError?: (error: Error) => void;
  onHalt?: (reasons: string[]) => void;
  /** Told whether this instance holds the writer's lock. */
  onWriter?: (writer: boolean) => void;
}

/**
 * Runs the collector in one instance at a time (a session advisory lock; the others keep serving reads and try
 * again): replay the batch log, carry out commands until the next window closes, sleep, again. After a failure
 * the log is replayed before anything else is decided.
 */
export class StatsRunner {
  private stopped = false;
  private loop: Promise<void> | null = null;
  private lock: QueryRunner | null = null;
  private wakeUp: (() => void) | null = null;
  /** Set by `wake()` while a run is in progress: run again straight after it. */
  private again = false;

  constructor(
    private readonly db: DataSource,
    private readonly collector: StatsCollector,
    private readonly options: StatsRunnerOptions,
  ) {}

  get writer(): boolean {
    return this.lock !== null;
  }

  start(): Promise<void> {
    this.loop ??= this.run();
    return this.loop;
  }

  /** Runs now instead of at the next window (POST /admin/stats/run). */
  wake(): void {
    this.again = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
    await this.release();
  }

  private async run(): Promise<void> {
    const now = this.options.clock ?? Date.now;
    let replayed = false;
    while (!this.stopped) {
      try {
        if (!(await this.holdLock())) {
          // Another instance is the writer: a one-off run has nothing to do; a service waits its turn.
          if (this.options.mode === 'once') return;
          replayed = false;
          await this.sleep(10_000);
          continue;
        }
        if (!replayed) {
          await this.collector.replay();
          replayed = true;
        }
        this.again = false;
        const command = await this.collector.runUntilWait(() => this.stopped);
        if (command.kind === 'halt') {
          this.options.onHalt?.(command.reasons);
          await this.sleep(this.options.maxSleepMs ?? 60_000);
          replayed = false;
          continue;
        }
        if (this.options.mode === 'once' && command.kind === 'wait') return await this.release();
        if (command.kind === 'wait' && !this.again) await this.sleep(command.until * 1000 - now());
      } catch (error) {
        this.options.onError?.(error as Error);
        replayed = false;
        await this.sleep(this.options.errorMs ?? 5_000);
      }
    }
  }

  /** True while this instance holds the writer's lock; taken when free. */
  private async holdLock(): Promise<boolean> {
    if (this.lock) {
      try {
        await this.lock.query('SELECT 1'); // the lock lives as long as this session
        return true;
      } catch {
        await this.release();
      }
    }
    const runner = this.db.createQueryRunner();
    try {
      await runner.connect();
      const [{ locked }]: { locked: boolean }[] = await runner.query(
        `SELECT pg_try_advisory_lock(hashtext(current_schema() || '.stats_collector')) AS locked`,
      );
      if (locked) {
        this.lock = runner;
        this.options.onWriter?.(true);
        return true;
      }
    } catch (error) {
      this.options.onError?.(error as Error);
    }
    await runner.release().catch(() => undefined);
    return false;
  }

  private async release() {
    const lock = this.lock;
    if (!lock) return;
    this.lock = null;
    this.options.onWriter?.(false);
    await lock
      .query(`SELECT pg_advisory_unlock(hashtext(current_schema() || '.stats_collector'))`)
      .catch(() => undefined);
    await lock.release().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, Math.min(ms, this.options.maxSleepMs ?? 60_000)));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }
}
