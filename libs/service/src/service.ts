import 'reflect-metadata';
import {
  Controller,
  Get,
  HttpException,
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type INestApplication,
  type OnApplicationShutdown,
  type Provider,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiTags, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, LoggerModule } from 'nestjs-pino';
import type { Registry } from 'prom-client';
import { createMetricsRegistry, loggerParams, metricsController } from '@ticketflow/observability';
import { API_KEYS, ApiKeyGuard } from './api-key.guard';
import { RUNTIME } from './service.tokens';

/** What a service runs besides HTTP (consumers, relays, timers), driven by Nest's lifecycle. */
export interface ServiceRuntime {
  /** Before the app is served: connect, migrate, start consumers. */
  start(): Promise<void>;
  /** Readiness details; throws with the reason when the service cannot serve. */
  ready(): Promise<Record<string, unknown>>;
  /** First step of shutdown, before the HTTP server closes (e.g. end open streams it would wait for). */
  beforeStop?(): void;
  /** After the HTTP server closed, on SIGTERM as on app.close(): leave consumer groups, drain relays. */
  stop(): Promise<void>;
}

export interface ServiceDefinition<R extends ServiceRuntime> {
  /** The `service` label of every metric, and the OpenAPI title's suffix. */
  name: string;
  description: string;
  logLevel: string;
  /** Builds the runtime with the service's metrics registry. */
  runtime: (registry: Registry) => R;
  controllers: Type[];
  providers?: Provider[];
  /** Keys accepted by ApiKeyGuard (x-api-key or Authorization: Bearer). */
  apiKeys?: string[];
  /** Raw bodies: the controllers read the request stream themselves (signed webhooks). */
  bodyParser?: boolean;
  /** Runs on the app before it is served (middleware). */
  configure?: (app: INestApplication) => void;
}

@ApiTags('health')
@Controller('health')
class HealthController {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  /** The process serves requests. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Can serve: what the runtime reports, or 503 with its reason. */
  @Get('ready')
  async ready() {
    try {
      return { status: 'ok', ...(await this.runtime.ready()) };
    } catch (error) {
      throw new HttpException({ status: 'unavailable', reason: (error as Error).message }, 503);
    }
  }
}

/** Nest's lifecycle hooks (app.close(), on a signal or in a test) stop the runtime; nothing patches close. */
@Injectable()
class Lifecycle implements BeforeApplicationShutdown, OnApplicationShutdown {
  /** Removes the signal listeners once the app is closed, whoever closed it. */
  releaseSignals: () => void = () => undefined;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  beforeApplicationShutdown() {
    this.runtime.beforeStop?.();
  }

  async onApplicationShutdown() {
    try {
      await this.runtime.stop();
    } finally {
      this.releaseSignals();
    }
  }
}

/**
 * SIGTERM, SIGINT or SIGHUP closes the app once; a repeated signal does not cut that close short. (Nest's own hooks drop
 * their listeners on the first signal, so a second one, e.g. Ctrl-C and then a supervisor's TERM, killed the
 * process before its consumers left their groups, and the next start waited ~26 s for the group.)
 */
/** Below Kubernetes' default grace period (30 s), so the process, not the kubelet, says why it ended. */
const STOP_DEADLINE_MS = 25_000;
const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

function closeOnSignals(app: INestApplication, lifecycle: Lifecycle) {
  const logger = app.get(Logger);
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ msg: `${signal} while stopping; still stopping` });
      return;
    }
    closing = true;
    logger.log({ msg: `${signal}: stopping` });
    // A stop that waits on something gone for good (a dropped database) must still end, as a pod's would.
    const deadline = setTimeout(() => {
      logger.error({ msg: `not stopped within ${STOP_DEADLINE_MS / 1000} s; exiting anyway` });
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    app.close().then(
      () => {
        clearTimeout(deadline);
        process.exit(0);
      },
      (error: Error) => {
        clearTimeout(deadline);
        logger.error({ msg: 'stopping failed', error: error.message });
        process.exit(1);
      },
    );
  };
  // SIGHUP: the terminal that started it was closed.
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  lifecycle.releaseSignals = () => {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  };
}

@Module({})
class ServiceModule {}

export interface Service<R extends ServiceRuntime> {
  app: INestApplication;
  runtime: R;
}

/**
 * One service shell: JSON logs with redaction, /health/live and /health/ready, /metrics, /docs and /openapi.json,
 * the API-key guard, and shutdown through Nest's lifecycle hooks. The runtime is started before the app is served.
 */
export async function createService<R extends ServiceRuntime>(
  definition: ServiceDefinition<R>,
): Promise<Service<R>> {
  const registry = createMetricsRegistry(definition.name);
  const runtime = definition.runtime(registry);
  const app = await NestFactory.create(
    {
      module: ServiceModule,
      imports: [LoggerModule.forRoot(loggerParams(definition.logLevel))],
      controllers: [...definition.controllers, HealthController, metricsController(registry)],
      providers: [
        ApiKeyGuard,
        { provide: API_KEYS, useValue: definition.apiKeys ?? [] },
        { provide: RUNTIME, useValue: runtime },
        Lifecycle,
        ...(definition.providers ?? []),
      ],
    },
    { bufferLogs: true, bodyParser: definition.bodyParser ?? true },
  );
  app.useLogger(app.get(Logger));
  definition.configure?.(app);
  try {
    await runtime.start();
  } catch (error) {
    await app.close();
    throw error;
  }
  const document = new DocumentBuilder()
    .setTitle(`Ticketflow ${definition.name}`)
    .setDescription(definition.description)
    .setVersion('1');
  // Only services with guarded routes advertise the key.
  if (definition.apiKeys) document.addApiKey({ type: 'apiKey', name: 'x-api-key', in: 'header' });
  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, document.build()), {
    jsonDocumentUrl: 'openapi.json',
  });
  closeOnSignals(app, app.get(Lifecycle));
  return { app, runtime };
}

/** A service process: runs `start`, or ends with exit code 1 and the reason on stderr (the supervisor restarts it). */
export function runService(name: string, start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    process.stderr.write(
      `${name} failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
