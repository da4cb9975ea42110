import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Admin } from 'kafkajs';
import { KAFKA_ADMIN } from './gateway.tokens';

@ApiTags('health')
@Controller('health')
export class HealthController {
  private kafka: 'unknown' | 'up' | 'down' = 'unknown';
  private checkedAt = 0;

  constructor(@Inject(KAFKA_ADMIN) private readonly admin: Admin) {
    this.refreshKafkaState();
  }

  /** The process serves requests. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /**
   * Can serve: during a Kafka outage the gateway must keep receiving webhooks to answer 503 + Retry-After, which
   * Zendesk retries, so Kafka's state is information only. Answered at once; the probe refreshes in the background.
   */
  @Get('ready')
  ready() {
    this.refreshKafkaState();
    return { status: 'ok', kafka: this.kafka };
  }

  /** At most every 2 s, so probes do not load the broker. */
  private refreshKafkaState() {
    if (Date.now() - this.checkedAt < 2_000) return;
    this.checkedAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer')), 1_500);
    });
    Promise.race([this.admin.describeCluster(), timeout])
      .then(
        () => (this.kafka = 'up'),
        () => (this.kafka = 'down'),
      )
      .finally(() => clearTimeout(timer));
  }
}
