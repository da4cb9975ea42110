import { Controller, Get, Header } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';

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
