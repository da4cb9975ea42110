import 'reflect-metadata';
import {
  Controller,
  Get,
  HttpException,
  Inject,
  Module,
  Post,
  UseGuards,
  type DynamicModule,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiTags, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, LoggerModule } from 'nestjs-pino';
import { Client } from 'pg';
import { Subject } from 'rxjs';
import { TICKET_CHANGES_CHANNEL } from '@ticketflow/enrichment';
import { createMetricsRegistry, loggerParams, metricsController } from '@ticketflow/observability';
import { API_KEYS, ApiKeyGuard } from '@ticketflow/api';
import type { EnrichmentConfig } from './config';
import { EnrichmentQueries } from './queries';
import { EnrichmentRuntime } from './runtime';
import { TICKET_CHANGES, TicketsController } from './tickets.controller';

const RUNTIME = Symbol('EnrichmentRuntime');

@ApiTags('health')
@Controller('health')
class HealthController {
  constructor(@Inject(RUNTIME) private readonly runtime: EnrichmentRuntime) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Postgres and Kafka answer; reports how far the projection is behind. */
  @Get('ready')
  async ready() {
    try {
      await this.runtime.db.query('SELECT 1');
      const lag = await this.runtime.lag(this.runtime.topics.tickets.name);
      return { status: 'ok', postgres: 'up', kafka: 'up', ticketEventsLag: lag };
    } catch (error) {
      throw new HttpException({ status: 'unavailable', reason: (error as Error).message }, 503);
    }
  }
}

@ApiTags('admin')
@UseGuards(ApiKeyGuard)
@Controller('admin')
class AdminController {
  constructor(@Inject(RUNTIME) private readonly runtime: EnrichmentRuntime) {}

  /** Runs a reconciliation pass now (waits for a running one). */
  @Post('reconcile')
  reconcile() {
    return this.runtime.reconcile();
  }
}

@Module({})
class EnrichmentModule {
  static create(
    config: EnrichmentConfig,
    runtime: EnrichmentRuntime,
    changes: Subject<string[]>,
    registry: ReturnType<typeof createMetricsRegistry>,
  ): DynamicModule {
    return {
      module: EnrichmentModule,
      imports: [LoggerModule.forRoot(loggerParams(config.LOG_LEVEL))],
      controllers: [TicketsController, HealthController, AdminController, metricsController(registry)],
      providers: [
        ApiKeyGuard,
        { provide: API_KEYS, useValue: config.ENRICHMENT_API_KEYS },
        { provide: RUNTIME, useValue: runtime },
        { provide: EnrichmentQueries, useValue: new EnrichmentQueries(runtime.db) },
        { provide: TICKET_CHANGES, useValue: changes },
      ],
    };
  }
}

export interface EnrichmentApp {
  app: INestApplication;
  runtime: EnrichmentRuntime;
}

/** Enrichment as a Nest application: read models migrated, consumers running, before it listens. */
export async function createEnrichmentApp(config: EnrichmentConfig): Promise<EnrichmentApp> {
  const registry = createMetricsRegistry('enrichment');
  const runtime = new EnrichmentRuntime(config, registry);
  await runtime.start();

  // Every instance hears every projected change (LISTEN/NOTIFY), whichever instance projected it.
  const changes = new Subject<string[]>();
  const listener = new Client({ connectionString: config.DATABASE_URL });
  await listener.connect();
  listener.on('notification', (message) => changes.next(JSON.parse(message.payload ?? '[]') as string[]));
  await listener.query(`LISTEN ${TICKET_CHANGES_CHANNEL}`);

  const app = await NestFactory.create(EnrichmentModule.create(config, runtime, changes, registry), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  SwaggerModule.setup(
    'docs',
    app,
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Ticketflow enrichment')
        .setDescription("Company users' Zendesk tickets and each ticket's status history, live.")
        .setVersion('1')
        .addApiKey({ type: 'apiKey', name: 'x-api-key', in: 'header' })
        .build(),
    ),
    { jsonDocumentUrl: 'openapi.json' },
  );
  app.enableShutdownHooks();
  const close = app.close.bind(app);
  app.close = async () => {
    changes.complete();
    await close();
    await listener.end();
    await runtime.stop();
  };
  return { app, runtime };
}
