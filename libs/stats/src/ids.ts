/** A Zendesk id as our topics carry it (a decimal string), from the number or string an API body holds. */
export function zendeskIdOf(value: unknown, what: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return value;
  throw new Error(`${what}: ${JSON.stringify(value)} is not a Zendesk id`);
}

/** Numeric order of decimal-string ids ('9' before '10'), exact past 2^53. */
export function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
