import { createService, type Service } from '@ticketflow/service';
import type { AlertingConfig } from './alerting.config';
import { AlertingRuntime } from './alerting.runtime';
import { AlertsController } from './alerts.controller';

/** Alerting as a Nest application: state migrated, consumer, relay and notifier running, before it listens. */
export function createAlertingApp(config: AlertingConfig): Promise<Service<AlertingRuntime>> {
  return createService({
    name: 'alerting',
    description: 'Threshold alerts on open-ticket counts, with their history and notification outcome.',
    logLevel: config.LOG_LEVEL,
    runtime: (registry) => new AlertingRuntime(config, registry),
    controllers: [AlertsController],
    apiKeys: config.ALERTING_API_KEYS,
    adminKeys: config.ADMIN_API_KEYS,
    opsEndpoints: config.OPS_ENDPOINTS,
  });
}
