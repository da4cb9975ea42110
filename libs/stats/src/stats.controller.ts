import {
  Controller,
  Get,
  HttpCode,
  HttpException,
  Inject,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AdminKeyGuard, ApiKeyGuard, RUNTIME } from '@ticketflow/service';
import { hourCompletion } from './completion';
import type { StatsCollectorRuntime } from './stats-collector.runtime';
import { isoOf } from './time';

const windowParam = (value: string | undefined, name: string): Date => {
  const at = value === undefined ? NaN : Date.parse(value);
  if (Number.isNaN(at))
    throw new HttpException({ error: 'bad-request', reason: `${name} must be an ISO 8601 time` }, 400);
  return new Date(at);
};

@ApiTags('stats')
@UseGuards(ApiKeyGuard)
@Controller()
export class StatsController {
  constructor(@Inject(RUNTIME) private readonly runtime: StatsCollectorRuntime) {}

  /** Stored windows starting in [from, to): complete results only, never a partial one. */
  @Get('stats/hourly')
  async range(@Query('from') from?: string, @Query('to') to?: string) {
    const end = to === undefined ? new Date() : windowParam(to, 'to');
    const start = from === undefined ? new Date(end.getTime() - 24 * 3600_000) : windowParam(from, 'from');
    if (start >= end)
      throw new HttpException({ error: 'bad-request', reason: 'from must be before to' }, 400);
    return { windows: await this.runtime.store.range(start, end) };
  }

  /** One window: 200 with its result, or 404 `pending` with why and how far both exports are proven. */
  @Get('stats/hourly/:windowStart')
  async one(@Param('windowStart') windowStart: string) {
    const at = windowParam(windowStart, 'windowStart');
    const stored = await this.runtime.store.one(at);
    if (stored) return stored;
    const seconds = at.getTime() / 1000;
    const { windowSeconds } = this.runtime.stats;
    if (seconds % windowSeconds !== 0)
      throw new HttpException(
        { error: 'bad-request', reason: `windowStart must be a multiple of ${windowSeconds} s` },
        400,
      );
    const completion = hourCompletion(
      this.runtime.collector.current,
      seconds,
      this.runtime.clock() / 1000,
      this.runtime.stats,
    );
    throw new HttpException(
      {
        status: 'pending',
        windowStart: isoOf(seconds),
        reasons: completion.complete ? [{ code: 'being-stored' }] : completion.reasons,
        coverageUntil:
          completion.complete || completion.coverageUntil === null ? null : isoOf(completion.coverageUntil),
      },
      404,
    );
  }

  /** Runs the collector now instead of at the next window. */
  @Post('admin/stats/run')
  @UseGuards(AdminKeyGuard)
  @HttpCode(202)
  run() {
    this.runtime.runner.wake();
    return { status: 'started', writer: this.runtime.runner.writer };
  }
}
