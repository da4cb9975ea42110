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
import type { Server } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { AdminKeyGuard, ApiKeyGuard, KeyRing, requireAdminKey } from './api-key.guard';
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
  /** Read keys, accepted by ApiKeyGuard (x-api-key or Authorization: Bearer). */
  apiKeys?: string[];
  /** Admin keys: AdminKeyGuard's routes take only these; ApiKeyGuard's take them too. */
  adminKeys?: string[];
  /** Who may read /metrics, /docs and /openapi.json: anyone (default) or admin keys only. */
  opsEndpoints?: 'open' | 'admin';
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
  const ring = new KeyRing({ read: definition.apiKeys ?? [], admin: definition.adminKeys ?? [] });
  // Metrics for admin keys only, and none configured: every scrape would fail and every alert go blind.
  if (definition.opsEndpoints === 'admin' && !ring.hasAdminKeys)
    throw new Error('OPS_ENDPOINTS=admin needs ADMIN_API_KEYS');
  const app = await NestFactory.create(
    {
      module: ServiceModule,
      imports: [LoggerModule.forRoot(loggerParams(definition.logLevel))],
      controllers: [...definition.controllers, HealthController, metricsController(registry)],
      providers: [
        ApiKeyGuard,
        AdminKeyGuard,
        { provide: KeyRing, useValue: ring },
        { provide: RUNTIME, useValue: runtime },
        Lifecycle,
        ...(definition.providers ?? []),
      ],
    },
    { bufferLogs: true, bodyParser: definition.bodyParser ?? true },
  );
  app.useLogger(app.get(Logger));
  limitHttpTimes(app.getHttpServer() as Server);
  app.use(plainQueries);
  if (definition.opsEndpoints === 'admin') app.use(adminOnlyOps(ring));
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
    yamlDocumentUrl: 'openapi.yaml',
  });
  closeOnSignals(app, app.get(Lifecycle));
  return { app, runtime };
}

/**
 * Bounds on a client's pace (Node's defaults let a slow body hold a connection for 300 s). Node checks them every
 * 30 s, so a stalled request ends 30-60 s after it started; SSE responses are not bounded (only requests are).
 */
export const HTTP_LIMITS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 };

function limitHttpTimes(server: Server) {
  server.headersTimeout = HTTP_LIMITS.headersTimeoutMs;
  server.requestTimeout = HTTP_LIMITS.requestTimeoutMs;
  server.keepAliveTimeout = HTTP_LIMITS.keepAliveTimeoutMs;
}

// The connection is closed: an unread request body must not be taken for the next request.
const badRequest = (res: Response, reason: string) =>
  res.status(400).set('connection', 'close').json({ error: 'bad-request', reason });

/**
 * Every route reads its query parameters as single strings: a repeated one (`?a=1&a=2`, an array to Express), or a
 * NUL anywhere in the path or query (Postgres refuses it in text), is a 400 before any handler.
 */
function plainQueries(req: Request, res: Response, next: NextFunction) {
  for (const [name, value] of Object.entries(req.query))
    if (typeof value !== 'string')
      return badRequest(res, `query parameter ${name.slice(0, 64)} must be given once, as plain text`);
  let path: string;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    return badRequest(res, 'the path is not valid percent-encoding');
  }
  if (path.includes('\u0000') || Object.values(req.query).some((v) => String(v).includes('\u0000')))
    return badRequest(res, 'NUL characters are not allowed');
  next();
}

// Case-insensitive, as Express routes: /METRICS is /metrics.
const OPS_PATHS = /^\/(metrics|docs|openapi\.json|openapi\.yaml)(\/|$)/i;

/** /metrics, /docs and /openapi.json for admin keys only, refused as AdminKeyGuard refuses (they are no Nest routes). */
function adminOnlyOps(ring: KeyRing) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!OPS_PATHS.test(req.path)) return next();
    try {
      requireAdminKey(ring, req);
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      res.status(error.getStatus()).json(error.getResponse());
      return;
    }
    next();
  };
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
