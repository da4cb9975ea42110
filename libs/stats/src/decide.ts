import type { HourlyStatsResult } from '@ticketflow/contracts';
import { resultSha256 } from './canonical';
import { closesAt, firstWindow, hourCompletion } from './completion';
import { computeHourlyStats } from './compute';
import type { StatsConfig } from './config';
import { hourFacts, hourSources, windowUpdaters, type HourSources } from './hours';
import type { AuditsStream, StatsState, TicketsStream } from './state';
import { EXPORT_LAG_SECONDS } from './time';
import { revisionDue, verificationDue, type ReviseCommand } from './verify';

/** The one thing to do next; times are unix seconds. */
export type StatsCommand =
  | { kind: 'fetch-audits'; seq: number; startTime: number; settleSeconds: number }
  | { kind: 'fetch-tickets'; seq: number; startTime: number }
  | { kind: 'fetch-tickets'; seq: number; cursor: string }
  | { kind: 'open-hour'; windowStart: number; windowEnd: number; settleSeconds: number }
  | { kind: 'fetch-roles'; windowStart: number; userIds: string[] }
  | {
      kind: 'finalize';
      windowStart: number;
      revision: number;
      result: HourlyStatsResult;
      resultSha256: string;
      sources: HourSources;
    }
  /** Re-read stored windows, oldest first: one walk from the first's start, shared by those it covers. */
  | { kind: 'verify'; windows: { windowStart: number; revision: number }[] }
  | ReviseCommand
  | { kind: 'wait'; until: number; reason: string }
  | { kind: 'halt'; reasons: string[] };

/**
 * The next command for the collector at `now` (pure). Closed windows are worked oldest first: open the batch,
 * fetch the updaters' roles once the facts are sealed, finalize when complete. The streams are walked only as far
 * as a pending window needs, so a scheduled run costs about one page per stream. A broken stream halts everything.
 */
export function decide(
  state: StatsState,
  now: number,
  config: StatsConfig,
  /** Windows whose re-read or revision failed lately: left alone for now (the shell retries them later). */
  deferred: ReadonlySet<number> = new Set(),
): StatsCommand {
  if (config.windowSeconds !== state.windowSeconds)
    throw new Error(
      `configured for ${config.windowSeconds} s windows, state folded with ${state.windowSeconds} s`,
    );
  const broken = [
    state.audits.broken && `audits: ${state.audits.broken}`,
    state.tickets.broken && `tickets: ${state.tickets.broken}`,
  ];
  if (broken.some(Boolean))
    return { kind: 'halt', reasons: broken.filter((reason): reason is string => !!reason) };

  const W = config.windowSeconds;
  let target: number | null = null;
  // A solve whose ticket the export has not shown yet (Zendesk showing it late): the ticket walk goes on.
  let ticketMissing = false;
  let start = firstWindow(config);
  for (; closesAt(start, config) <= now; start += W) {
    const hour = state.hours.get(start);
    if (hour?.completed) continue;
    target = start + W;
    if (!hour?.opened)
      return {
        kind: 'open-hour',
        windowStart: start,
        windowEnd: start + W,
        settleSeconds: config.settleSeconds,
      };
    const completion = hourCompletion(state, start, now, config);
    if (completion.complete) return finalize(state, start);
    ticketMissing ||= completion.reasons.some((reason) => reason.code === 'missing-created-at');
    // Roles are read once per window, so only when nothing else can still add an updater.
    if (hour.roles === null && completion.reasons.every((reason) => reason.code === 'missing-role'))
      return { kind: 'fetch-roles', windowStart: start, userIds: windowUpdaters(state, start) };
  }
  if (target === null)
    return verifyOrWait(state, now, config, deferred, {
      kind: 'wait',
      until: closesAt(start, config),
      reason: 'no closed window is pending',
    });

  const audits = auditsCommand(state.audits, target, now, config);
  if (audits?.kind === 'fetch-audits') return audits;
  const tickets = ticketsCommand(state.tickets, target, now, config, ticketMissing);
  if (tickets?.kind === 'fetch-tickets') return tickets;
  const waits = [audits, tickets].filter(
    (command): command is Extract<StatsCommand, { kind: 'wait' }> => !!command,
  );
  if (waits.length)
    return verifyOrWait(
      state,
      now,
      config,
      deferred,
      waits.reduce((a, b) => (b.until < a.until ? b : a)),
    );
  // Every pending window is stuck on a fact no page will bring (a ticket without created_at, a role not recorded).
  return verifyOrWait(state, now, config, deferred, {
    kind: 'wait',
    until: closesAt(start, config),
    reason: 'pending windows wait for facts no page brings',
  });
}

/**
 * Revisions and re-reads use the time pending windows leave: only when those would wait, and never waiting past
 * a re-read falling due.
 */
function verifyOrWait(
  state: StatsState,
  now: number,
  config: StatsConfig,
  deferred: ReadonlySet<number>,
  wait: Extract<StatsCommand, { kind: 'wait' }>,
): StatsCommand {
  const revision = revisionDue(state, deferred);
  if (revision) return revision;
  const { due, next } = verificationDue(state, now, config, deferred);
  if (due.length) return { kind: 'verify', windows: due.slice(0, MAX_VERIFIED_PER_WALK) };
  return next !== null && next < wait.until
    ? { kind: 'wait', until: next, reason: 'a stored window is due for verification' }
    : wait;
}

/** Re-read events written from one walk at most (one page covers about 32 hours at 5,000 tickets). */
const MAX_VERIFIED_PER_WALK = 168;

function finalize(state: StatsState, windowStart: number): StatsCommand {
  const result = computeHourlyStats(hourFacts(state, windowStart), windowStart, state.windowSeconds);
  return {
    kind: 'finalize',
    windowStart,
    revision: 1,
    result,
    resultSha256: resultSha256(result),
    sources: hourSources(state, windowStart)!,
  };
}

/** The next audits page, a wait, or null when coverage reaches `target` already. */
function auditsCommand(
  stream: AuditsStream,
  target: number,
  now: number,
  config: StatsConfig,
): StatsCommand | null {
  if (stream.lastSeq > 0 && (stream.coverageUntil ?? 0) >= target) return null;
  const startTime = stream.nextStartTime ?? config.collectionStart;
  // The export answers 400 to a start_time younger than a minute.
  if (startTime > now - EXPORT_LAG_SECONDS)
    return {
      kind: 'wait',
      until: startTime + EXPORT_LAG_SECONDS,
      reason: 'the next audits start_time is younger than 61 s',
    };
  return (
    endOfStreamWait(stream, target + config.settleSeconds, now, 'audits') ?? {
      kind: 'fetch-audits',
      seq: stream.lastSeq + 1,
      startTime,
      settleSeconds: config.settleSeconds,
    }
  );
}

/** The next tickets page, a wait, or null when the horizon reaches `target` already. */
function ticketsCommand(
  stream: TicketsStream,
  target: number,
  now: number,
  config: StatsConfig,
  ticketMissing: boolean,
): StatsCommand | null {
  if (stream.lastSeq === 0) return { kind: 'fetch-tickets', seq: 1, startTime: config.collectionStart };
  if ((stream.horizon ?? 0) >= target) {
    if (!ticketMissing) return null;
    // Asked again a minute after the last page, not in a loop.
    const next = (stream.lastFetchedAt ?? 0) + EXPORT_LAG_SECONDS;
    if (now < next)
      return { kind: 'wait', until: next, reason: 'a solved ticket is not in the ticket export yet' };
    return { kind: 'fetch-tickets', seq: stream.lastSeq + 1, cursor: stream.cursor! };
  }
  return (
    endOfStreamWait(stream, target, now, 'tickets') ?? {
      kind: 'fetch-tickets',
      seq: stream.lastSeq + 1,
      cursor: stream.cursor!,
    }
  );
}

/**
 * After an end of stream, a new page proves up to the server's clock − 61 s. With the skew the last page showed
 * (our clock − its Date header), wait until the server's clock can prove `target` rather than ask in a loop.
 */
function endOfStreamWait(
  stream: AuditsStream | TicketsStream,
  target: number,
  now: number,
  name: 'audits' | 'tickets',
): StatsCommand | null {
  if (!stream.lastEndOfStream || stream.lastFetchedAt === null || stream.lastServerDate === null) return null;
  const skew = stream.lastFetchedAt - stream.lastServerDate;
  const until = target + EXPORT_LAG_SECONDS + skew;
  if (now >= until) return null;
  return {
    kind: 'wait',
    until,
    reason: `the ${name} server clock runs ${skew} s behind ours; its end of stream cannot prove the window yet`,
  };
}
