/**
 * Availability failures (a database or broker briefly away) must be waited out, never dead-lettered; only a
 * deterministic failure (bad data, a bug) may move a consumer past a message.
 */
export function isTransientFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { code?: unknown; retriable?: unknown; cause?: unknown; errno?: unknown };
  if (e.retriable === true) return true; // kafkajs marks its own retriable errors
  if (e.name === 'KafkaJSNumberOfRetriesExceeded' || e.name === 'KafkaJSConnectionError') return true;
  if (e.name === 'KafkaJSRequestTimeoutError' || e.name === 'KafkaJSConnectionClosedError') return true;
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code)) return true;
  // Postgres SQLSTATE classes: 08 connection, 40 serialization/deadlock, 53 resources, 57 operator (shutdown,
  // cannot connect now), 58 system I/O. Classes 22 (data) and 23 (constraints) are the deterministic ones.
  if (/^[0-9A-Z]{5}$/.test(code) && TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2))) return true;
  // node-postgres reports a dropped or refused connection without a code.
  if (
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable|connection provided by a query runner was already released/i.test(
      e.message,
    )
  )
    return true;
  return e.cause !== undefined && e.cause !== error && isTransientFailure(e.cause);
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTCONN',
]);
const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '40', '53', '57', '58']);
