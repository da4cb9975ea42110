import type { DataSource, EntityManager } from 'typeorm';
import type { HourlyStatsResult, StatsHourly } from '@ticketflow/contracts';
import { enqueueOutbox } from '@ticketflow/persistence';
import type { StatsCommand } from './decide';
import type { HourSources } from './hours';
import type { ReviseCommand } from './verify';
import { isoOf } from './time';

export interface StoredWindow {
  windowStart: string;
  revision: number;
  resultSha256: string;
  completedAt: string;
  result: HourlyStatsResult;
}

/** The statistics tables (`stats_hourly`, `stats_hourly_agent`): a row exists only for a complete window. */
export class StatsStore {
  constructor(
    private readonly db: DataSource,
    /** Where completed windows are published (through the outbox). */
    private readonly topic: string,
  ) {}

  /**
   * Stores a completed window, its agents and its `stats.hourly.v1` record in one transaction. The same result
   * again (a replay after a crash) changes nothing; another result for a stored window is refused: a stored
   * row changes only through a logged revision.
   */
  async complete(
    command: Extract<StatsCommand, { kind: 'finalize' }>,
    completedAt: Date,
  ): Promise<'stored' | 'already stored'> {
    const windowStart = isoOf(command.windowStart);
    return this.db.transaction(async (manager) => {
      const [stored] = await this.locked(manager, windowStart);
      if (stored) {
        if (stored.result_sha256 === command.resultSha256) return 'already stored';
        throw new Error(
          `window ${windowStart} is stored with result ${stored.result_sha256}, not ${command.resultSha256}: a revision`,
        );
      }
      await this.write(manager, command, completedAt, { sources: command.sources });
      return 'stored';
    });
  }

  /**
   * Replaces a stored window's result by its next revision, logged in `stats_hourly_revision` with the diff, and
   * publishes it, in one transaction. The revision already stored (a replay) changes nothing; a row that is not at
   * the revision the diff starts from is refused.
   */
  async revise(command: ReviseCommand, revisedAt: Date): Promise<'stored' | 'already stored'> {
    const windowStart = isoOf(command.windowStart);
    const { previousRevision, previousResultSha256 } = command.diff;
    return this.db.transaction(async (manager) => {
      const [stored] = await this.locked(manager, windowStart);
      if (stored?.revision === command.revision && stored.result_sha256 === command.resultSha256)
        return 'already stored';
      if (stored?.revision !== previousRevision || stored.result_sha256 !== previousResultSha256)
        throw new Error(
          `window ${windowStart}: revision ${command.revision} follows ${previousRevision} (${previousResultSha256}), ` +
            `stored is ${stored ? `${stored.revision} (${stored.result_sha256})` : 'nothing'}`,
        );
      await manager.query(
        `INSERT INTO stats_hourly_revision (window_start, revision, previous_revision, previous_result_sha256,
           result_sha256, previous_result, diff, revised_at)
         SELECT window_start, $2, revision, result_sha256, $3, result, $4, $5 FROM stats_hourly WHERE window_start = $1`,
        [
          windowStart,
          command.revision,
          command.resultSha256,
          JSON.stringify(command.diff),
          revisedAt.toISOString(),
        ],
      );
      await this.write(manager, command, revisedAt, { previousRevision });
      return 'stored';
    });
  }

  private locked(manager: EntityManager, windowStart: string): Promise<LockedRow[]> {
    return manager.query(
      `SELECT revision, result_sha256 FROM stats_hourly WHERE window_start = $1 FOR UPDATE`,
      [windowStart],
    );
  }

  /**
   * The window's row — inserted, or replaced by the revision following `previousRevision` (never overwriting a row
   * another writer stored meanwhile: a conflict fails the transaction) — its agents and its published record.
   */
  private async write(
    manager: EntityManager,
    command: { revision: number; result: HourlyStatsResult; resultSha256: string },
    at: Date,
    row: { sources: HourSources } | { previousRevision: number },
  ): Promise<void> {
    const { result, revision } = command;
    const windowStart = result.windowStart;
    const figures = [
      result.definitionVersion,
      revision,
      result.solvedCount,
      result.resolutionSecondsSum,
      result.averageResolutionSeconds,
      result.medianResolutionSeconds,
      result.unattributedSolves,
      result.mostEfficientAgentId,
      result.fastestAgentId,
      JSON.stringify(result),
      command.resultSha256,
    ];
    if ('sources' in row)
      await manager.query(
        `INSERT INTO stats_hourly (definition_version, revision, solved_count, resolution_seconds_sum,
           average_resolution_seconds, median_resolution_seconds, unattributed_solves, most_efficient_agent_id,
           fastest_agent_id, result, result_sha256, window_start, window_end, window_seconds, sources, completed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        [
          ...figures,
          windowStart,
          result.windowEnd,
          result.windowSeconds,
          JSON.stringify(row.sources),
          at.toISOString(),
        ],
      );
    else {
      // TypeORM answers a raw UPDATE with [rows, affected].
      const [, updated]: [unknown[], number] = await manager.query(
        `UPDATE stats_hourly SET definition_version = $1, revision = $2, solved_count = $3,
           resolution_seconds_sum = $4, average_resolution_seconds = $5, median_resolution_seconds = $6,
           unattributed_solves = $7, most_efficient_agent_id = $8, fastest_agent_id = $9, result = $10,
           result_sha256 = $11, revised_at = $13
         WHERE window_start = $12 AND revision = $14`,
        [...figures, windowStart, at.toISOString(), row.previousRevision],
      );
      if (updated !== 1) throw new Error(`window ${windowStart} is not at revision ${row.previousRevision}`);
    }
    await manager.query(`DELETE FROM stats_hourly_agent WHERE window_start = $1`, [windowStart]);
    if (result.agents.length)
      await manager.query(
        `INSERT INTO stats_hourly_agent (window_start, agent_id, solved_count, resolution_seconds_sum)
         SELECT $1, "agentId", "solvedCount", "resolutionSecondsSum"
           FROM jsonb_to_recordset($2::jsonb) AS r("agentId" text, "solvedCount" int, "resolutionSecondsSum" bigint)`,
        [windowStart, JSON.stringify(result.agents)],
      );
    const published: StatsHourly = {
      schemaVersion: 1,
      type: 'stats.hourly',
      eventId: `hour:${windowStart}:r${revision}`,
      revision,
      resultSha256: command.resultSha256,
      completedAt: at.toISOString(),
      result,
    };
    await enqueueOutbox(manager, [{ topic: this.topic, key: windowStart, value: published }]);
  }

  /** Stored windows starting in [from, to), oldest first. */
  async range(from: Date, to: Date, limit = 1000): Promise<StoredWindow[]> {
    const rows: Row[] = await this.db.query(
      `SELECT window_start, revision, result_sha256, completed_at, result FROM stats_hourly
        WHERE window_start >= $1 AND window_start < $2 ORDER BY window_start LIMIT $3`,
      [from.toISOString(), to.toISOString(), limit],
    );
    return rows.map(toStored);
  }

  async one(windowStart: Date): Promise<StoredWindow | null> {
    const rows: Row[] = await this.db.query(
      `SELECT window_start, revision, result_sha256, completed_at, result FROM stats_hourly WHERE window_start = $1`,
      [windowStart.toISOString()],
    );
    return rows[0] ? toStored(rows[0]) : null;
  }

  /** Unix seconds of the last revision; 0: never revised. */
  async lastRevisedAt(): Promise<number> {
    const rows: { at: string | null }[] = await this.db.query(
      `SELECT extract(epoch FROM max(revised_at)) AS at FROM stats_hourly_revision`,
    );
    return Number(rows[0]?.at ?? 0);
  }
}

interface LockedRow {
  revision: number;
  result_sha256: string;
}

interface Row {
  window_start: Date;
  revision: number;
  result_sha256: string;
  completed_at: Date;
  result: HourlyStatsResult;
}

const toStored = (row: Row): StoredWindow => ({
  windowStart: row.window_start.toISOString(),
  revision: row.revision,
  resultSha256: row.result_sha256,
  completedAt: row.completed_at.toISOString(),
  result: row.result,
});
