import type { StatsAuditsPageFetched, StatsTicketsPageFetched } from '@ticketflow/contracts';
import type { AuditsStream, PageMark, TicketsStream } from './state';
import { EXPORT_LAG_SECONDS, secondsOf } from './time';

/** The latest second a page fetched at `serverDate` proves: records may become visible up to `settle` s late. */
const trustedUntil = (serverDate: number, settleSeconds: number) =>
  serverDate - EXPORT_LAG_SECONDS - settleSeconds;

/**
 * Proven coverage after an audits page: everything before `end_time` (the next page starts there), at the end of
 * the stream everything up to the server's last minute; but never past what a late record could still join.
 */
export const auditsCoverageUntil = (
  endTime: number,
  endOfStream: boolean,
  serverDate: number,
  settleSeconds: number,
) =>
  Math.min(
    endOfStream ? Math.max(endTime, serverDate - EXPORT_LAG_SECONDS) : endTime,
    trustedUntil(serverDate, settleSeconds),
  );

/**
 * Where the walk goes on: `end_time`, unless that is past the trusted second, where it reads again from (records
 * shown late there are fetched then; repeats collapse by audit id).
 */
export const auditsNextStartTime = (page: StatsAuditsPageFetched) =>
  Math.min(
    page.response.endTime,
    Math.max(page.request.startTime, trustedUntil(page.response.serverDate, page.settleSeconds)),
  );

/** What a page with a seq already applied is: a redelivery (same body) or a conflict that breaks the stream. */
function replayOf(pages: readonly PageMark[], seq: number, bodySha256: string): 'redelivery' | string {
  const seen = pages[seq - 1];
  return seen === undefined || seen.bodySha256 === bodySha256
    ? 'redelivery'
    : `conflict: page ${seq} delivered again with another body`;
}

/** Why an audits page cannot be the stream's next one, or null. */
export function auditsPageBreak(stream: AuditsStream, page: StatsAuditsPageFetched): string | null {
  const { startTime } = page.request;
  const { count, endTime, endOfStream, serverDate } = page.response;
  if (page.seq !== stream.lastSeq + 1) return `gap: page ${page.seq} after page ${stream.lastSeq}`;
  if (stream.nextStartTime !== null && startTime !== stream.nextStartTime)
    return `chain: page ${page.seq} starts at ${startTime}, page ${stream.lastSeq} ended at ${stream.nextStartTime}`;
  if (count !== page.items) return `count: page ${page.seq} says ${count} items and holds ${page.items}`;
  if (endTime < startTime) return `time: page ${page.seq} ends at ${endTime}, before its start ${startTime}`;
  // The next page would start where this one did and return it again: stop, never skip the second. (At the end
  // of the stream end_time may be the last item's second: the walk stops there anyway.)
  if (endTime === startTime && !endOfStream)
    return `stall: page ${page.seq} (${page.items} items) ends at its start ${startTime}`;
  const proven = auditsCoverageUntil(endTime, endOfStream, serverDate, page.settleSeconds);
  if (page.coverageUntil !== proven)
    return `coverage: page ${page.seq} claims ${page.coverageUntil}, its counters prove ${proven}`;
  return null;
}

/** The audits stream after one page, or why it broke; `applied` is false for a redelivery. */
export function foldAuditsPage(
  stream: AuditsStream,
  page: StatsAuditsPageFetched,
): { stream: AuditsStream; applied: boolean } {
  if (page.seq <= stream.lastSeq) {
    const replay = replayOf(stream.pages, page.seq, page.bodySha256);
    if (replay === 'redelivery' || stream.broken) return { stream, applied: false };
    return { stream: { ...stream, broken: replay }, applied: false };
  }
  if (stream.broken) return { stream, applied: false };
  const broken = auditsPageBreak(stream, page);
  if (broken) return { stream: { ...stream, broken }, applied: false };
  const coverage = Math.max(stream.coverageUntil ?? 0, page.coverageUntil);
  return {
    applied: true,
    stream: {
      ...stream,
      lastSeq: page.seq,
      coveredFrom: stream.coveredFrom ?? page.request.startTime,
      coverageUntil: coverage,
      nextStartTime: auditsNextStartTime(page),
      lastEndOfStream: page.response.endOfStream,
      lastFetchedAt: secondsOf(page.occurredAt),
      lastServerDate: page.response.serverDate,
      pages: [
        ...stream.pages,
        { seq: page.seq, bodySha256: page.bodySha256, endTime: page.response.endTime, until: coverage },
      ],
    },
  };
}

/** Why a tickets page cannot be the stream's next one, or null. */
export function ticketsPageBreak(stream: TicketsStream, page: StatsTicketsPageFetched): string | null {
  if (page.seq !== stream.lastSeq + 1) return `gap: page ${page.seq} after page ${stream.lastSeq}`;
  if (stream.cursor === null) {
    if (page.startTime === undefined) return `chain: the first page has no start_time`;
  } else if (page.cursorIn !== stream.cursor)
    return `chain: page ${page.seq} asked with cursor ${page.cursorIn ?? `start_time ${page.startTime}`}, page ${stream.lastSeq} gave ${stream.cursor}`;
  if (!page.endOfStream && page.cursorIn !== undefined && page.cursorOut === page.cursorIn)
    return `stall: page ${page.seq} returns the cursor it was asked with`;
  return null;
}

/** The tickets stream after one page, or why it broke; `applied` is false for a redelivery. */
export function foldTicketsPage(
  stream: TicketsStream,
  page: StatsTicketsPageFetched,
): { stream: TicketsStream; applied: boolean } {
  if (page.seq <= stream.lastSeq) {
    const replay = replayOf(stream.pages, page.seq, page.bodySha256);
    if (replay === 'redelivery' || stream.broken) return { stream, applied: false };
    return { stream: { ...stream, broken: replay }, applied: false };
  }
  if (stream.broken) return { stream, applied: false };
  const broken = ticketsPageBreak(stream, page);
  if (broken) return { stream: { ...stream, broken }, applied: false };
  // Only an end of stream proves every ticket updated before the server's last minute was returned.
  const horizon = page.endOfStream
    ? Math.max(stream.horizon ?? 0, page.serverDate - EXPORT_LAG_SECONDS)
    : stream.horizon;
  return {
    applied: true,
    stream: {
      ...stream,
      lastSeq: page.seq,
      horizonFrom: stream.horizonFrom ?? page.startTime ?? null,
      horizon,
      cursor: page.cursorOut,
      lastEndOfStream: page.endOfStream,
      lastFetchedAt: secondsOf(page.occurredAt),
      lastServerDate: page.serverDate,
      pages: [...stream.pages, { seq: page.seq, bodySha256: page.bodySha256, endTime: null, until: horizon }],
    },
  };
}
