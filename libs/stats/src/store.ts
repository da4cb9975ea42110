import type { DataSource } from 'typeorm';
import type { HourlyStatsResult, StatsHourly } from '@ticketflow/contracts';
import { enqueueOutbox } from '@ticketflow/persistence';
import type { StatsCommand } from './decide';
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
      const [stored]: { result_sha256: string }[] = await manager.query(
        `SELECT result_sha256 FROM stats_hourly WHERE window_start = $1 FOR UPDATE`,
        [windowStart],
      );
      if (stored) {
        if (stored.result_sha256 === command.resultSha256) return 'already stored';
        throw new Error(
          `window ${windowStart} is stored with result ${stored.result_sha256}, not ${command.resultSha256}: a revision`,
        );
      }
      const { result } = command;
      await manager.query(
        `INSERT INTO stats_hourly (window_start, window_end, window_seconds, definition_version, revision, solved_count,
           resolution_seconds_sum, average_resolution_seconds, median_resolution_seconds, unattributed_solves,
           most_efficient_agent_id, fastest_agent_id, result, result_sha256, sources, completed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        [
          result.windowStart,
          result.windowEnd,
          result.windowSeconds,
          result.definitionVersion,
          command.revision,
          result.solvedCount,
          result.resolutionSecondsSum,
          result.averageResolutionSeconds,
          result.medianResolutionSeconds,
          result.unattributedSolves,
          result.mostEfficientAgentId,
          result.fastestAgentId,
          JSON.stringify(result),
          command.resultSha256,
          JSON.stringify(command.sources),
          completedAt.toISOString(),
        ],
      );
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
        eventId: `hour:${windowStart}:r${command.revision}`,
        revision: command.revision,
        resultSha256: command.resultSha256,
        completedAt: completedAt.toISOString(),
        result,
      };
      await enqueueOutbox(manager, [{ topic: this.topic, key: windowStart, value: published }]);
      return 'stored';
    });
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
