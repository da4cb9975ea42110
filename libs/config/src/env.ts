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
  /** The interface to listen on: this machine only unless told otherwise (the image sets 0.0.0.0). */
  host: z.string().min(1).default('127.0.0.1'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  /** A comma-separated list of secrets (rotation: several valid at once). */
  secretList: z
    .string()
    .min(1)
    .transform(parseCommaList)
    .pipe(z.array(z.string().min(8, 'each secret at least 8 characters')).min(1)),
};

/** Access besides a service's read keys: admin keys (admin actions), and who may read metrics and API docs. */
export const accessEnvFields = {
  /** Keys for admin actions (POST /admin/...), comma-separated; none: admin actions are refused (403). */
  ADMIN_API_KEYS: EnvFields.secretList.optional(),
  /** `open`: /metrics, /docs and /openapi.json answer anyone; `admin`: an admin key only. */
  OPS_ENDPOINTS: z.enum(['open', 'admin']).default('open'),
};

/** The fields of every service that projects Kafka into Postgres: port, brokers, database, log level, access. */
export function serviceEnvFields(defaults: { port: number; schema: string }) {
  return {
    PORT: EnvFields.port(defaults.port),
    HOST: EnvFields.host,
    KAFKA_BROKERS: EnvFields.kafkaBrokers,
    /** Replication of the topics the service creates when missing (3 on a production cluster). */
    KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1),
    DATABASE_URL: EnvFields.databaseUrl,
    DATABASE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default(defaults.schema),
    LOG_LEVEL: EnvFields.logLevel,
    ...accessEnvFields,
  };
}

/** Zendesk's REST API: https://<subdomain>.zendesk.com, an admin's email and an API token, and its limits. */
export const zendeskApiEnvFields = {
  ZENDESK_BASE_URL: z.url(),
  ZENDESK_EMAIL: z.email(),
  ZENDESK_API_TOKEN: z.string().min(8),
  ZENDESK_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).default(400),
  /** Zendesk's incremental-export budget per account, shared in Postgres by reconciler and collector; 0 = off. */
  ZENDESK_INCREMENTAL_PER_MINUTE: z.coerce.number().int().min(0).default(10),
};
