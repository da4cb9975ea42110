import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { LoggerModule } from 'nestjs-pino';
import { Logger } from 'nestjs-pino';
import { Topics } from '@ticketflow/contracts';
import { EventProducer, createKafka, ensureTopics, withDeadLetter } from '@ticketflow/kafka';
import { createMetricsRegistry, loggerParams, metricsController } from '@ticketflow/observability';
import type { GatewayConfig } from './config';
import { GatewayMetrics } from './gateway.metrics';
import { EVENT_PRODUCER, GATEWAY_CONFIG, KAFKA_ADMIN } from './gateway.tokens';
import { HealthController } from './health.controller';
import { KafkaShutdown } from './kafka-shutdown';
import { WebhookController } from './webhook.controller';
import { WebhookService } from './webhook.service';

@Module({})
class GatewayModule {
  static create(config: GatewayConfig, producer: EventProducer, admin: unknown): DynamicModule {
    const registry = createMetricsRegistry('webhook-gateway');
    return {
      module: GatewayModule,
      imports: [LoggerModule.forRoot(loggerParams(config.LOG_LEVEL))],
      controllers: [WebhookController, HealthController, metricsController(registry)],
      providers: [
        WebhookService,
        KafkaShutdown,
        { provide: GatewayMetrics, useValue: new GatewayMetrics(registry) },
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: EVENT_PRODUCER, useValue: producer },
        { provide: KAFKA_ADMIN, useValue: admin },
      ],
    };
  }
}

/** The gateway as a Nest application: Kafka connected and topics ensured before it listens. */
export async function createGatewayApp(config: GatewayConfig): Promise<INestApplication> {
  // Short timeouts: a webhook must be answered (2xx or 503) well within Zendesk's 12 s.
  const kafka = createKafka(
    { brokers: config.KAFKA_BROKERS, clientId: 'webhook-gateway' },
    { requestTimeout: 5_000, connectionTimeout: 2_000 },
  );
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(
    admin,
    withDeadLetter({ ...Topics.ticketEvents, name: config.TICKET_EVENTS_TOPIC }),
    config.KAFKA_REPLICATION_FACTOR,
  );
  const producer = new EventProducer(kafka, {
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2_000 },
  });
  await producer.connect();

  const app = await NestFactory.create(GatewayModule.create(config, producer, admin), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.locals['maxBytes'] = config.WEBHOOK_MAX_BYTES;
    next();
  });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Ticketflow webhook-gateway')
      .setDescription('Receives Zendesk webhooks and produces ticket events to Kafka (ticket.events.v1).')
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  // SIGTERM runs the same hooks as app.close(): KafkaShutdown disconnects once the HTTP server closed.
  app.enableShutdownHooks();
  return app;
}
