import { Controller, Get, HttpException, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Admin } from 'kafkajs';

export const KAFKA_ADMIN = Symbol('KafkaAdmin');

@ApiTags('health')
@Controller('health')
export class HealthController {
  private lastCheck = { at: 0, ok: false };

  constructor(@Inject(KAFKA_ADMIN) private readonly admin: Admin) {}

  /** The process serves requests. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Kafka answers: webhooks can be acknowledged. Cached for 2 s so probes do not load the broker. */
  @Get('ready')
  async ready() {
    if (Date.now() - this.lastCheck.at > 2_000) {
      const ok = await Promise.race([
        this.admin.describeCluster().then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1_500)),
      ]);
      this.lastCheck = { at: Date.now(), ok };
    }
    if (!this.lastCheck.ok) throw new HttpException({ status: 'unavailable', kafka: 'down' }, 503);
    return { status: 'ok', kafka: 'up' };
  }
}
