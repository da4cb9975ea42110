import { Registry } from 'prom-client';
import { MetricsBuilder, SAMPLE_TIMEOUT_MS } from './metrics';

describe('MetricsBuilder.sampled', () => {
  it('keeps answering with the last value when a source fails or hangs (a database or broker outage)', async () => {
    const registry = new Registry();
    const m = new MetricsBuilder(registry);
    let mode: 'ok' | 'fail' | 'hang' = 'ok';
    const read = () =>
      mode === 'ok'
        ? 7
        : mode === 'fail'
          ? Promise.reject(new Error('down'))
          : new Promise<number>(() => undefined);
    m.sampled('t_sampled', 'test', read);
    m.sampled('t_by_label', 'test', async () => (mode === 'ok' ? { a: 1, b: 2 } : { a: await read() }), 'k');
    m.counter('t_counter_total', 'test').inc();

    expect(await registry.metrics()).toContain('t_sampled 7');
    mode = 'fail';
    const failing = await registry.metrics();
    expect(failing).toContain('t_sampled 7');
    expect(failing).toContain('t_by_label{k="b"} 2');
    mode = 'hang';
    const started = Date.now();
    const hanging = await registry.metrics();
    expect(Date.now() - started).toBeLessThan(SAMPLE_TIMEOUT_MS + 1_000);
    expect(hanging).toContain('t_sampled 7');
    expect(hanging).toContain('t_counter_total 1');
  });
});
