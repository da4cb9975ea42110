import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { DEFAULT_AUDIT_EXPORT_FORM, auditLogOf, type AuditExportForm } from './audits';
import { authenticate, DEFAULT_API_LIMITS, rateLimit, stripJsonSuffix, type ApiLimits } from './api-guards';
import { DEFAULT_API_FAULTS, injectFaults, RequestLog, type ApiFaults, type FaultKind } from './api-faults';
import { ControlController } from './control.controller';
import { CustomStatusesController } from './custom-statuses.controller';
import { DeletedTicketsController } from './deleted-tickets.controller';
import { GroupsController } from './groups.controller';
import { IncrementalController } from './incremental.controller';
import { ScenarioRunner, type ScenarioOptions } from './scenario';
import { SearchController } from './search.controller';
import { SIMULATOR, WORLD, type SimulatorControls } from './simulator.tokens';
import { TicketAuditsController } from './ticket-audits.controller';
import { TicketMetricsController } from './ticket-metrics.controller';
import { TicketsController } from './tickets.controller';
import { GroundTruth } from './truth';
import { UsersController } from './users.controller';
import { WebhookSender, type DeliveryFaults, type WebhookTarget } from './webhook-sender';
import { World, type WorldOptions } from './world';

export interface SimulatorOptions extends WorldOptions {
  /** A world to serve (e.g. restored from disk) instead of a new one made from these options. */
  world?: World;
  /** The interface to listen on; default 127.0.0.1. */
  bindHost?: string;
  /** How clients reach it, for the URLs in its answers (next_page, url); default http://127.0.0.1:<port>. */
  publicUrl?: string;
  /** 0 picks a free port. */
  port?: number;
  apiToken?: string;
  limits?: Partial<ApiLimits>;
  apiFaults?: Partial<ApiFaults>;
  faultSeed?: number;
  /** How the ticket-events export writes audits (S3); default: `field_name` child events, status changes only. */
  auditExport?: Partial<AuditExportForm>;
  webhooks?: {
    targets: WebhookTarget[];
    faults?: Partial<DeliveryFaults>;
    seed?: number;
    retryDelayMs?: number;
  };
  /** Called with each injected API fault (for the standalone app's log). */
  onFault?: (kind: FaultKind) => void;
}

export const DEFAULT_API_TOKEN = 'simulator-api-token';
export const ADMIN_EMAIL = 'agent1@support.example.com';

export class Simulator implements SimulatorControls {
  readonly truth: GroundTruth;
  readonly apiFaults: ApiFaults;
  readonly requests = new RequestLog();
  webhooks: WebhookSender | null = null;
  scenario: ScenarioRunner | null = null;
  url = '';
  private app: INestApplication | null = null;

  constructor(
    readonly world: World,
    readonly options: SimulatorOptions,
  ) {
    this.truth = new GroundTruth(world);
    auditLogOf(world, { ...DEFAULT_AUDIT_EXPORT_FORM, ...options.auditExport });
    this.apiFaults = { ...DEFAULT_API_FAULTS, ...options.apiFaults };
    if (options.webhooks)
      this.webhooks = new WebhookSender(world, options.webhooks.targets, options.webhooks);
  }

  get apiToken() {
    return this.options.apiToken ?? DEFAULT_API_TOKEN;
  }

  /** Basic credentials of the account admin, as a Zendesk API client would send them. */
  get authorization() {
    return `Basic ${Buffer.from(`${ADMIN_EMAIL}/token:${this.apiToken}`).toString('base64')}`;
  }

  runScenario(options: ScenarioOptions): ScenarioRunner {
    this.scenario?.stop();
    this.scenario = new ScenarioRunner(this.world, options).start();
    return this.scenario;
  }

  async listen(): Promise<this> {
    const app = await NestFactory.create(SimulatorModule.forSimulator(this), {
      logger: ['error', 'warn'],
      bodyParser: true,
    });
    app.use(stripJsonSuffix);
    // The server's clock is the world's (which tests may move), as Zendesk's Date header is Zendesk's.
    app.use('/api/v2', (_req: Request, res: Response, next: NextFunction) => {
      res.setHeader('Date', new Date(this.world.clock()).toUTCString());
      next();
    });
    app.use('/api/v2', this.requests.middleware());
    app.use('/api/v2', authenticate(this.world, { apiToken: this.apiToken }));
    app.use('/api/v2', rateLimit({ ...DEFAULT_API_LIMITS, ...this.options.limits }));
    app.use(
      '/api/v2',
      injectFaults(() => this.apiFaults, this.options.faultSeed ?? 3, this.options.onFault),
    );
    // Signals are the standalone app's to handle (it saves the world first); in tests, close() stops it.
    await app.listen(this.options.port ?? 0, this.options.bindHost ?? '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.world.host = this.options.publicUrl?.replace(/\/$/, '') ?? this.url;
    this.app = app;
    return this;
  }

  async close(): Promise<void> {
    this.scenario?.stop();
    await this.webhooks?.flush();
    this.webhooks?.close();
    await this.app?.close();
  }
}

@Module({})
class SimulatorModule {
  static forSimulator(simulator: Simulator): DynamicModule {
    return {
      module: SimulatorModule,
      controllers: [
        TicketsController,
        TicketAuditsController,
        TicketMetricsController,
        DeletedTicketsController,
        IncrementalController,
        UsersController,
        SearchController,
        GroupsController,
        CustomStatusesController,
        ControlController,
      ],
      providers: [
        { provide: WORLD, useValue: simulator.world },
        { provide: SIMULATOR, useValue: simulator },
      ],
    };
  }
}

/** A running simulator on 127.0.0.1, in-process (tests, benchmarks) or standalone (apps/zendesk-simulator). */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return new Simulator(options.world ?? new World(options), options).listen();
}
