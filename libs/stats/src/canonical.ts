import { createHash } from 'node:crypto';
import type { HourlyStatsResult } from '@ticketflow/contracts';

/** JSON with object keys sorted (UTF-16 order, as RFC 8785), no whitespace, undefined members left out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${value} has no JSON form`);
  return JSON.stringify(value);
}

/** SHA-256 (hex) of a result's canonical JSON: the same facts give the same digest in every replay. */
export const resultSha256 = (result: HourlyStatsResult) =>
  createHash('sha256').update(canonicalJson(result)).digest('hex');
