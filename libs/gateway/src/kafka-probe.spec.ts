import type { Admin } from 'kafkajs';
import { HealthController } from './health.controller';

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('gateway readiness', () => {
  it('stays ready while Kafka is down, reporting Kafka as information only', async () => {
    const admin = { describeCluster: () => Promise.reject(new Error('broker down')) } as unknown as Admin;
    const health = new HealthController(admin);
    expect(health.ready()).toEqual({ status: 'ok', kafka: 'unknown' });
    await flush();
    expect(health.ready()).toEqual({ status: 'ok', kafka: 'down' });
  });

  it('answers at once when Kafka hangs, and reports it down after 1.5 s', async () => {
    const admin = { describeCluster: () => new Promise(() => undefined) } as unknown as Admin;
    jest.useFakeTimers();
    try {
      const health = new HealthController(admin);
      expect(health.ready()).toEqual({ status: 'ok', kafka: 'unknown' });
      await jest.advanceTimersByTimeAsync(1_500);
      expect(health.ready()).toEqual({ status: 'ok', kafka: 'down' });
    } finally {
      jest.useRealTimers();
    }
  });
});
