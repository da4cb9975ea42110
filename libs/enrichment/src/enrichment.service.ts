import 'reflect-metadata';
import {
  Controller,
  Get,
  HttpException,
  Inject,
  Injectable,
  Module,
  Post,
  UseGuards,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type INestApplication,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiTags, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, LoggerModule } from 'nestjs-pino';
import { Subject } from 'rxjs';
import { TicketChangeFeed } from '@ticketflow/enrichment';
import { createMetricsRegistry, loggerParams, metricsController } from '@ticketflow/observability';
import { API_KEYS, ApiKeyGuard } from '@ticketflow/api';
import type { EnrichmentConfig } from './config';
import { EnrichmentQueries } from './queries';
import { EnrichmentRuntime } from './runtime';
import { TICKET_CHANGES, TicketsController } from './tickets.controller';

const RUNTIME = Symbol('EnrichmentRuntime');
const FEED = Symbol('TicketChangeFeed');

/** Teardown on SIGTERM or app.close(): streams end first (the HTTP server waits for them), then the runtime. */
@Injectable()
class Lifecycle implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(RUNTIME) private readonly runtime: EnrichmentRuntime,
    @Inject(FEED) private readonly feed: TicketChangeFeed,
    @Inject(TICKET_CHANGES) private readonly changes: Subject<string[]>,
  ) {}

  beforeApplicationShutdown() {
    this.changes.complete();
  }

  async onApplicationShutdown() {
    await this.feed.stop();
    await this.runtime.stop();
  }
}

@ApiTags('health')
@Controller('health')
class HealthController {
  constructor(@Inject(RUNTIME) private readonly runtime: EnrichmentRuntime) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Postgres and Kafka answer and every consumer is in its group; reports how far the projection is behind. */
  @Get('ready')
  async ready() {
    if (!this.runtime.consuming())
      throw new HttpException({ status: 'unavailable', reason: 'a Kafka consumer is not running' }, 503);
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
    feed: TicketChangeFeed,
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
        { provide: FEED, useValue: feed },
        Lifecycle,
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
  const feed = new TicketChangeFeed(
    config.DATABASE_URL,
    (ticketIds) => changes.next(ticketIds),
    (error) =>
      runtime.logger.warn({ msg: 'change feed lost its connection; reconnecting', error: error.message }),
  );
  await feed.start();

  const app = await NestFactory.create(EnrichmentModule.create(config, runtime, changes, feed, registry), {
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
  return { app, runtime };
}
