import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { uniqueSuffix } from '@ticketflow/testing';
import { ZENDESK_TEST_SIGNING_SECRET } from '@ticketflow/zendesk';
import { GatewayEnv, type GatewayConfig } from './gateway.config';

/** Test and benchmark helpers: a gateway config on its own topic, and listening on a free port. */
export function gatewayConfig(overrides: Partial<Record<string, string>> = {}): GatewayConfig {
  return GatewayEnv.parse({
    PORT: '0',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
    ZENDESK_WEBHOOK_SECRETS: `rotated-out-secret-1,${ZENDESK_TEST_SIGNING_SECRET}`,
    TICKET_EVENTS_TOPIC: `ticket.events.v1.test-${uniqueSuffix()}`,
    LOG_LEVEL: 'warn',
    ...overrides,
  });
}

export async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}

/** The simulator's webhook targets for a gateway at `url`: Zendesk's event-subscribed and trigger webhooks. */
export function gatewayWebhookTargets(
  url: string,
  modes: readonly ('events' | 'trigger')[] = ['events', 'trigger'],
) {
  return modes.map((mode) => ({
    id: mode,
    endpoint: `${url}/webhooks/zendesk/${mode}`,
    signingSecret: ZENDESK_TEST_SIGNING_SECRET,
    mode,
  }));
}
