import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import type { EventProducer } from '@ticketflow/kafka';
import { EVENT_PRODUCER, KAFKA_ADMIN } from './gateway.tokens';

/**
 * Disconnects from Kafka when Nest shuts down, on SIGTERM (enableShutdownHooks) as on app.close(). Nest calls
 * this hook after the HTTP server closed, so no webhook is mid-produce when the producer goes.
 */
@Injectable()
export class KafkaShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_PRODUCER) private readonly producer: EventProducer,
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
  ) {}

  async onApplicationShutdown() {
    await this.producer.disconnect();
    await this.admin.disconnect();
  }
}
