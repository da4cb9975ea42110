import type { NextFunction, Request, Response } from 'express';
import { createService, type Service } from '@ticketflow/service';
import type { GatewayConfig } from './gateway.config';
import { GatewayRuntime } from './gateway.runtime';
import { WebhookController } from './webhook.controller';
import { WebhookService } from './webhook.service';

/** The gateway as a Nest application: Kafka connected and topics ensured before it listens. */
export function createGatewayApp(config: GatewayConfig): Promise<Service<GatewayRuntime>> {
  return createService({
    name: 'webhook-gateway',
    description: 'Receives Zendesk webhooks and produces ticket events to Kafka (ticket.events.v1).',
    logLevel: config.LOG_LEVEL,
    runtime: (registry) => new GatewayRuntime(config, registry),
    controllers: [WebhookController],
    providers: [WebhookService],
    adminKeys: config.ADMIN_API_KEYS,
    opsEndpoints: config.OPS_ENDPOINTS,
    // The signature covers the raw bytes: the controller reads the body itself.
    bodyParser: false,
    configure: (app) =>
      app.use((_req: Request, res: Response, next: NextFunction) => {
        res.locals['maxBytes'] = config.WEBHOOK_MAX_BYTES;
        next();
      }),
  });
}
