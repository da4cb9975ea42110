import { z } from 'zod';
import { EnvFields, loadConfig } from '@ticketflow/config';
import { ZENDESK_TEST_SIGNING_SECRET } from '@ticketflow/zendesk';
import { WorldFile, startSimulator } from '@ticketflow/zendesk-simulator';

const rate = z.coerce.number().min(0).max(1);

/** Standalone Zendesk simulator: env-configured, prints where it listens. */
const Env = z.object({
  PORT: EnvFields.port(4010),
  HOST: EnvFields.host,
  /** How clients reach it, for the URLs in its answers; default http://127.0.0.1:PORT. */
  SIM_PUBLIC_URL: z.url().optional(),
  /** Where the world is kept across restarts (snapshot + journal); none: a new world on every start. */
  SIM_WORLD_FILE: z.string().min(1).optional(),
  SIM_SEED: z.coerce.number().int().default(42),
  SIM_TICKETS: z.coerce.number().int().min(1).max(1_000_000).default(500),
  SIM_API_TOKEN: z.string().min(8).default('simulator-api-token'),
  SIM_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(700),
  SIM_ERROR_RATE: rate.default(0.02),
  SIM_LATENCY_MS: z.coerce.number().int().min(0).default(0),
  SIM_TIMEOUT_RATE: rate.default(0),
  /** Where to send webhooks (e.g. the gateway); none when unset. */
  SIM_WEBHOOK_URL: z.url().optional(),
  SIM_WEBHOOK_MODE: z.enum(['events', 'trigger']).default('events'),
  SIM_WEBHOOK_SECRET: z.string().min(8).default(ZENDESK_TEST_SIGNING_SECRET),
  SIM_WEBHOOK_DROP_RATE: rate.default(0),
  SIM_WEBHOOK_DUPLICATE_RATE: rate.default(0),
  SIM_WEBHOOK_REORDER_RATE: rate.default(0),
  /** Ticket actions per second of the live scenario; 0 = none. */
  SIM_SCENARIO_RATE: z.coerce.number().min(0).default(0),
  /** Child events of the ticket-events export: `field-name` ({field_name, value}) or `field-keyed` ({status}). */
  SIM_AUDIT_CHILD_EVENTS: z.enum(['field-name', 'field-keyed']).default('field-name'),
  /** Export assignee changes too (child events and assignee-only audits). */
  SIM_AUDIT_ASSIGNEE_EVENTS: z.stringbool().default(false),
});

async function main() {
  const env = loadConfig(Env);
  const worldOptions = { seed: env.SIM_SEED, tickets: env.SIM_TICKETS };
  const saved = env.SIM_WORLD_FILE ? WorldFile.open(env.SIM_WORLD_FILE, worldOptions) : null;
  const simulator = await startSimulator({
    port: env.PORT,
    bindHost: env.HOST,
    publicUrl: env.SIM_PUBLIC_URL,
    ...worldOptions,
    world: saved?.file.world,
    apiToken: env.SIM_API_TOKEN,
    limits: { perMinute: env.SIM_RATE_LIMIT_PER_MINUTE },
    auditExport: { childEvents: env.SIM_AUDIT_CHILD_EVENTS, assigneeEvents: env.SIM_AUDIT_ASSIGNEE_EVENTS },
    apiFaults: {
      errorRate: env.SIM_ERROR_RATE,
      latencyMs: env.SIM_LATENCY_MS,
      timeoutRate: env.SIM_TIMEOUT_RATE,
    },
    webhooks: env.SIM_WEBHOOK_URL
      ? {
          targets: [
            {
              id: '01SIMULATORWEBHOOK0000000',
              endpoint: env.SIM_WEBHOOK_URL,
              signingSecret: env.SIM_WEBHOOK_SECRET,
              mode: env.SIM_WEBHOOK_MODE,
            },
          ],
          faults: {
            dropRate: env.SIM_WEBHOOK_DROP_RATE,
            duplicateRate: env.SIM_WEBHOOK_DUPLICATE_RATE,
            reorderRate: env.SIM_WEBHOOK_REORDER_RATE,
            reorderWindowMs: 2_000,
          },
        }
      : undefined,
  });
  if (env.SIM_SCENARIO_RATE > 0) simulator.runScenario({ ratePerSecond: env.SIM_SCENARIO_RATE });
  process.stderr.write(
    JSON.stringify({
      level: 'info',
      msg: 'zendesk-simulator listening',
      url: simulator.url,
      tickets: simulator.world.ticketCount,
      webhooks: env.SIM_WEBHOOK_URL ?? null,
      scenarioRate: env.SIM_SCENARIO_RATE,
      world: saved ? `${env.SIM_WORLD_FILE}: ${saved.note}` : 'new on every start (no SIM_WORLD_FILE)',
    }) + '\n',
  );
  // One stop whatever number of signals (Ctrl-C, then a supervisor's TERM): the world is saved once stopped.
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    // Webhooks still queued get 10 s; the world is saved whatever happened to them (the journal has it anyway).
    await Promise.race([simulator.close(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    saved?.file.close();
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void shutdown());
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
