import { createService, type Service } from '@ticketflow/service';
import type { StatsCollectorConfig } from './stats-collector.config';
import { StatsCollectorRuntime, type RuntimeOptions } from './stats-collector.runtime';
import { StatsController } from './stats.controller';

/** The stats-collector as a Nest application: tables migrated and the runner started, before it listens. */
export function createStatsCollectorApp(
  config: StatsCollectorConfig,
  options: RuntimeOptions = {},
): Promise<Service<StatsCollectorRuntime>> {
  return createService({
    name: 'stats-collector',
    description: 'Hourly Zendesk statistics, stored only when complete (definition v1).',
    logLevel: config.LOG_LEVEL,
    runtime: (registry) => new StatsCollectorRuntime(config, registry, options),
    controllers: [StatsController],
    apiKeys: config.STATS_API_KEYS,
    adminKeys: config.ADMIN_API_KEYS,
    opsEndpoints: config.OPS_ENDPOINTS,
  });
}
