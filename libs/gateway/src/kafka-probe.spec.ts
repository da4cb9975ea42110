import type { Admin } from 'kafkajs';
import { KafkaProbe } from './kafka-probe';

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('gateway readiness', () => {
  it('stays ready while Kafka is down, reporting Kafka as information only', async () => {
    const admin = { describeCluster: () => Promise.reject(new Error('broker down')) } as unknown as Admin;
    const probe = new KafkaProbe(admin);
    expect(probe.state()).toBe('unknown');
    await flush();
    expect(probe.state()).toBe('down');
  });

  it('answers at once when Kafka hangs, and reports it down after 1.5 s', async () => {
    const admin = { describeCluster: () => new Promise(() => undefined) } as unknown as Admin;
    jest.useFakeTimers();
    try {
      const probe = new KafkaProbe(admin);
      expect(probe.state()).toBe('unknown');
      await jest.advanceTimersByTimeAsync(1_500);
      expect(probe.state()).toBe('down');
    } finally {
      jest.useRealTimers();
    }
  });
});
