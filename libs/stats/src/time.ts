/** The ticket-events export never returns the last minute and prints whole seconds: nothing younger is proven. */
export const EXPORT_LAG_SECONDS = 61;

export const isoOf = (seconds: number) => new Date(seconds * 1000).toISOString();

/** Unix seconds of an ISO time, truncated as Zendesk prints its timestamps. */
export const secondsOf = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** Start of the window holding second `at` (windows are aligned to multiples of their length). */
export const windowOf = (at: number, windowSeconds: number) =>
  at - (((at % windowSeconds) + windowSeconds) % windowSeconds);
