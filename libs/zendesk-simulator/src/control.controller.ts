import { Body, Controller, Get, HttpException, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { WORLD } from './api.controller';
import { GroundTruth } from './truth';
import type { Simulator } from './simulator';
import type { World } from './world';

export const SIMULATOR = Symbol('Simulator');

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

  constructor(
    @Inject(WORLD) private readonly world: World,
    @Inject(SIMULATOR) private readonly simulator: Simulator,
  ) {
    this.truth = new GroundTruth(world);
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

  @Get('truth/stats/hourly')
  hourly(@Query('hour') hour: string) {
    const start = moment(hour);
    if (!Number.isFinite(start) || start % 3_600_000 !== 0)
      throw new HttpException({ error: 'InvalidValue', description: 'hour must be a whole UTC hour' }, 400);
    return this.truth.hourlyStats(start);
  }

  @Get('faults')
  faults() {
    return { api: this.simulator.apiFaults, webhooks: this.simulator.webhooks?.faults ?? null };
  }

  @Put('faults')
  setFaults(@Body() body: { api?: Partial<Simulator['apiFaults']>; webhooks?: Record<string, number> }) {
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
