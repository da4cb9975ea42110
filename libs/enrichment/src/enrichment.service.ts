import { createService, type Service } from '@ticketflow/service';
import { AdminController } from './admin.controller';
import type { EnrichmentConfig } from './enrichment.config';
import { EnrichmentRuntime } from './enrichment.runtime';
import { StreamController, TicketsController } from './tickets.controller';

export type EnrichmentApp = Service<EnrichmentRuntime>;

/** Enrichment as a Nest application: read models migrated, consumers and change feed running, before it listens. */
export function createEnrichmentApp(config: EnrichmentConfig): Promise<EnrichmentApp> {
  return createService({
    name: 'enrichment',
    description: "Company users' Zendesk tickets and each ticket's status history, live.",
    logLevel: config.LOG_LEVEL,
    runtime: (registry) => new EnrichmentRuntime(config, registry),
    controllers: [TicketsController, StreamController, AdminController],
    apiKeys: config.ENRICHMENT_API_KEYS,
    adminKeys: config.ADMIN_API_KEYS,
    opsEndpoints: config.OPS_ENDPOINTS,
  });
}
