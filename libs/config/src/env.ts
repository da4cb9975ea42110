import { z } from 'zod';

export class ConfigError extends Error {}

/**
 * Validates the process environment against a schema at start-up, failing with every problem at once.
 * Values are never echoed back: a secret in the wrong variable must not end up in a log.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
}

/** A comma-separated list (Kafka brokers, secrets): items trimmed, empty ones dropped. */
export function parseCommaList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Common building blocks for service env schemas. */
export const EnvFields = {
  kafkaBrokers: z.string().min(1, 'comma-separated host:port list').transform(parseCommaList),
  databaseUrl: z.url({ protocol: /^postgres(ql)?$/, error: 'a postgres:// URL' }),
  port: (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  /** A comma-separated list of secrets (rotation: several valid at once). */
  secretList: z
    .string()
    .min(1)
    .transform(parseCommaList)
    .pipe(z.array(z.string().min(8, 'each secret at least 8 characters')).min(1)),
};
