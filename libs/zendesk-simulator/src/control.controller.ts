import { Body, Controller, Get, HttpException, Inject, Param, Post, Put, Query } from '@nestjs/common';
import type { ApiFaults } from './api-faults';
import { FaultControls, deliverySummaries, type WorkloadAction } from './fault-controls';
import { GroundTruth } from './truth';
import { SIMULATOR, WORLD, type SimulatorControls } from './simulator.tokens';
import { WorldError, type World } from './world';

const moment = (at?: string) => {
  if (at === undefined) return Infinity;
  const ms = Date.parse(at);
  if (Number.isNaN(ms))
    throw new HttpException({ error: 'InvalidValue', description: 'at must be an ISO-8601 time' }, 400);
  return ms;
};

/** Simulator controls and ground truth; not part of Zendesk's API, so no auth, limits or faults. */
@Controller('_simulator')
export class ControlController {
  private readonly truth: GroundTruth;
  private readonly controls: FaultControls;

  constructor(
    @Inject(WORLD) private readonly world: World,
    @Inject(SIMULATOR) private readonly simulator: SimulatorControls,
  ) {
    this.truth = new GroundTruth(world);
    this.controls = new FaultControls(world);
  }

  @Get('health')
  health() {
    return { status: 'ok', tickets: this.world.ticketCount };
  }

  /** The account's requesters (id, email): a demo's company users. */
  @Get('requesters')
  requesters() {
    return this.world.directory.requesters.map((u) => ({ id: u.id, email: u.email }));
  }

  /** Every ticket's truth now (auditors compare whole read models with it). */
  @Get('truth/tickets')
  tickets() {
    return this.truth.allTickets();
  }

  @Get('truth/tickets/:id')
  ticket(@Param('id') id: string, @Query('at') at?: string) {
    const truth = this.truth.ticket(Number(id), moment(at));
    if (!truth) throw new HttpException({ error: 'RecordNotFound', description: 'Not found' }, 404);
    return truth;
  }

  @Get('truth/open-tickets')
  openTickets(@Query('at') at?: string) {
    return this.truth.openTicketsByEmail(moment(at));
  }

  @Get('truth/users/:email/open-tickets')
  userOpenTickets(@Param('email') email: string, @Query('at') at?: string) {
    return {
      email: email.toLowerCase(),
      ticketIds: this.truth.openTicketsByEmail(moment(at))[email.toLowerCase()] ?? [],
    };
  }

  /** Definition v1 statistics of one window; `windowSeconds` (default 3600) lets tests use short windows. */
  @Get('truth/stats/hourly')
  hourly(@Query('windowStart') windowStart: string, @Query('windowSeconds') windowSeconds = '3600') {
    const start = moment(windowStart);
    const length = Number(windowSeconds);
    if (!Number.isInteger(length) || length <= 0 || length > 86_400)
      throw new HttpException({ error: 'InvalidValue', description: 'windowSeconds: 1 to 86400' }, 400);
    if (!Number.isFinite(start) || start % (length * 1000) !== 0)
      throw new HttpException(
        {
          error: 'InvalidValue',
          description: 'windowStart must be a UTC time divisible by the window length',
        },
        400,
      );
    return this.truth.hourlyStats(start, length);
  }

  /** Requests the API answered, per path (ids as `:id`) and outcome (status code or `timeout`). */
  @Get('requests')
  requests() {
    return this.simulator.requests.summary();
  }

  @Get('faults')
  faults() {
    return { api: this.simulator.apiFaults, webhooks: this.simulator.webhooks?.faults ?? null };
  }

  @Put('faults')
  setFaults(@Body() body: { api?: Partial<ApiFaults>; webhooks?: Record<string, number> }) {
    Object.assign(this.simulator.apiFaults, body.api ?? {});
    if (this.simulator.webhooks && body.webhooks)
      Object.assign(this.simulator.webhooks.faults, body.webhooks);
    return this.faults();
  }

  @Post('scenario')
  startScenario(@Body() body: { ratePerSecond?: number; actions?: number; seed?: number }) {
    const runner = this.simulator.runScenario({
      ratePerSecond: body.ratePerSecond ?? 5,
      actions: body.actions,
      seed: body.seed,
    });
    return {
      started: true,
      ratePerSecond: body.ratePerSecond ?? 5,
      actions: body.actions ?? null,
      performed: runner.performed,
    };
  }

  @Post('scenario/stop')
  stopScenario() {
    this.simulator.scenario?.stop();
    return { stopped: true, performed: this.simulator.scenario?.performed ?? 0 };
  }

  /** A requester of the caller's own; `email: null` is a phone, messaging or social user. */
  @Post('requesters')
  addRequester(@Body() body: { name?: string; email?: string | null }) {
    try {
      return this.controls.addRequester({ name: body.name, email: body.email ?? null });
    } catch (error) {
      if (error instanceof WorldError)
        throw new HttpException({ error: error.code, description: error.description }, error.status);
      throw error;
    }
  }

  /** Creations, solves and reopens applied in the given order, at once: deterministic workloads. */
  @Post('actions')
  actions(@Body() body: { actions?: WorkloadAction[] }) {
    if (!Array.isArray(body.actions))
      throw new HttpException({ error: 'InvalidValue', description: 'actions must be an array' }, 400);
    return { results: this.controls.apply(body.actions) };
  }

  /** Moves the clock forward, so that the incremental export (never the last minute) covers the recent past. */
  @Post('clock/advance')
  advanceClock(@Body() body: { ms?: number }) {
    const ms = Number(body.ms);
    if (!Number.isInteger(ms) || ms < 0)
      throw new HttpException({ error: 'InvalidValue', description: 'ms must be a positive integer' }, 400);
    return { offsetMs: this.controls.advanceClock(ms) };
  }

  /** A named moment on the truth's timeline (e.g. the end of a workload round). */
  @Post('marks')
  mark(@Body() body: { label?: string }) {
    return this.controls.mark(String(body.label ?? ''));
  }

  /** Each requester's open-ticket count at every mark. */
  @Get('truth/timeline')
  timeline() {
    return this.controls.timeline();
  }

  /** Every webhook delivery with its outcome and attempts (status codes), without bodies. */
  @Get('deliveries/log')
  deliveryLog() {
    return deliverySummaries(this.simulator.webhooks?.deliveries ?? []);
  }

  @Get('deliveries')
  deliveries() {
    const records = this.simulator.webhooks?.deliveries ?? [];
    const count = (outcome: string) => records.filter((r) => r.outcome === outcome).length;
    return {
      total: records.length,
      delivered: count('delivered'),
      failed: count('failed'),
      dropped: count('dropped'),
      pending: count('pending'),
    };
  }
}
