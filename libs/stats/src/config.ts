/** What the collector is configured with; times are unix seconds. */
export interface StatsConfig {
  /** Window length: 3600 in production, shorter in tests. */
  windowSeconds: number;
  /** Waited after a window's end and the export's 61 s, for records Zendesk makes visible late (300). */
  settleSeconds: number;
  /** STATS_START_TIME: both walks start here; the first window is the first that starts at or after it. */
  collectionStart: number;
  /** Seconds after storing a window when the verification pass reads it again (86,400); 0 or absent: never. */
  verifyAfterSeconds?: number;
}
