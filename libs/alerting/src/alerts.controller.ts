import { Controller, Get, HttpException, Inject, Query, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, RUNTIME } from '@ticketflow/service';
import type { AlertingRuntime } from './alerting.runtime';

@ApiTags('alerts')
@UseGuards(ApiKeyGuard)
@Controller('alerts')
export class AlertsController {
  constructor(@Inject(RUNTIME) private readonly runtime: AlertingRuntime) {}

  /** Alert history, newest first: who, when, count, open tickets, notification outcome. */
  @Get()
  async list(@Query('userId') userId?: string, @Query('limit') limit = '100') {
    const size = Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 1_000)
      throw new HttpException({ error: 'bad-request', reason: 'limit must be 1-1000' }, 400);
    return { alerts: await this.runtime.history.list(userId ?? null, size) };
  }
}
