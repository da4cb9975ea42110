import { z } from 'zod';
import { IsoTimestamp, ZendeskId } from './common';

/** Whole seconds; sums of them stay exact in a double far beyond any hour's solves. */
const Seconds = z.number().int().nonnegative();

export const AgentHourFigures = z
  .object({
    agentId: ZendeskId,
    solvedCount: z.number().int().positive(),
    resolutionSecondsSum: Seconds,
  })
  .meta({ id: 'AgentHourFigures', description: "One agent's solves in the window and their resolution seconds." });

/**
 * The statistics of one window, definition version 1 (docs: hourly statistics): solve events (an audit moving a
 * ticket from new/open/pending/hold, or from nothing, to solved) whose timestamp falls in [windowStart,
 * windowEnd); resolution = solve timestamp − ticket created_at, in whole seconds; the solver is the solving
 * audit's updater when that user is an agent or admin, otherwise the solve is unattributed.
 */
export const HourlyStatsResult = z
  .object({
    definitionVersion: z.literal(1),
    windowStart: IsoTimestamp,
    windowEnd: IsoTimestamp,
    windowSeconds: z.number().int().positive(),
    solvedCount: z.number().int().nonnegative(),
    resolutionSecondsSum: Seconds,
    averageResolutionSeconds: z.number().nonnegative().nullable().describe('sum / count; null without solves'),
    medianResolutionSeconds: z.number().nonnegative().nullable(),
    unattributedSolves: z.number().int().nonnegative(),
    agents: z.array(AgentHourFigures).describe('attributed agents, by ascending numeric id'),
    mostEfficientAgentId: ZendeskId.nullable().describe(
      'most solves; tie: lower average (exact cross-multiplication); tie: lowest id',
    ),
    fastestAgentId: ZendeskId.nullable().describe(
      'lowest average among agents with at least 3 solves; tie: more solves; tie: lowest id',
    ),
  })
  .meta({ id: 'HourlyStatsResult', description: 'Zendesk statistics of one closed window (definition v1).' });
export type HourlyStatsResult = z.infer<typeof HourlyStatsResult>;
export type AgentHourFigures = z.infer<typeof AgentHourFigures>;

/** Agents need this many solves in a window to be the fastest one. */
export const MIN_SOLVES_FOR_FASTEST = 3;
