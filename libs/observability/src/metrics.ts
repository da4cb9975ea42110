import { Controller, Get, Header } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per service process, with Node's default metrics. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** GET /metrics in Prometheus text format for the given registry. */
export function metricsController(registry: Registry) {
  @Controller('metrics')
  class MetricsController {
    @Get()
    @Header('content-type', registry.contentType)
    metrics() {
      return registry.metrics();
    }
  }
  return MetricsController;
}

type Sample = number | null | undefined;

/** How long a sampled gauge waits for its source at scrape time before keeping its last value. */
export const SAMPLE_TIMEOUT_MS = 2_000;

/** A service's metrics declared one line each on its registry (`*.metrics.ts`). */
export class MetricsBuilder {
  constructor(private readonly registry: Registry) {}

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge<L>({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: number[],
    labelNames: readonly L[] = [],
  ): Histogram<L> {
    return new Histogram<L>({ name, help, buckets, labelNames, registers: [this.registry] });
  }

  /**
   * A gauge read at scrape time, per label value when `label` is given. A source that fails, hangs past
   * SAMPLE_TIMEOUT_MS or has no value keeps the last one: one failing query must not fail the whole /metrics answer.
   */
  sampled(name: string, help: string, read: () => Sample | Promise<Sample>): Gauge;
  sampled(
    name: string,
    help: string,
    read: () => Promise<Record<string, Sample>> | Record<string, Sample>,
    label: string,
  ): Gauge<string>;
  sampled(
    name: string,
    help: string,
    read: () => Sample | Promise<Sample> | Record<string, Sample> | Promise<Record<string, Sample>>,
    label?: string,
  ): Gauge<string> {
    return new Gauge<string>({
      name,
      help,
      labelNames: label ? [label] : [],
      registers: [this.registry],
      async collect() {
        let timer: NodeJS.Timeout | undefined;
        // A source that hangs (a broker or database down) must not hold the scrape past Prometheus' timeout.
        const late = new Promise<null>(
          (resolve) => (timer = setTimeout(() => resolve(null), SAMPLE_TIMEOUT_MS)),
        );
        const value = await Promise.race([
          Promise.resolve()
            .then(read)
            .catch(() => null),
          late,
        ]).finally(() => clearTimeout(timer));
        if (label && value !== null && typeof value === 'object') {
          for (const [key, sample] of Object.entries(value))
            if (sample !== null && sample !== undefined) this.set({ [label]: key }, sample);
        } else if (typeof value === 'number') this.set(value);
      },
    });
  }
}
