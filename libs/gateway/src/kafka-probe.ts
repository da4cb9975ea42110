import type { Admin } from 'kafkajs';

/**
 * Kafka's state for the readiness answer, as information only: during a Kafka outage the gateway must keep
 * receiving webhooks to answer 503 + Retry-After, which Zendesk retries. Read at once; refreshed in the background
 * at most every 2 s, so probes do not load the broker.
 */
export class KafkaProbe {
  private kafka: 'unknown' | 'up' | 'down' = 'unknown';
  private checkedAt = 0;

  constructor(private readonly admin: Admin) {
    this.refresh();
  }

  state(): 'unknown' | 'up' | 'down' {
    this.refresh();
    return this.kafka;
  }

  private refresh() {
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
