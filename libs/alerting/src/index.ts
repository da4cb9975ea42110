export * from './threshold';
export * from './processor';
export * from './notifier';
import { Alerting1795620000000 } from './migrations/1795620000000-alerting';

export const alertingMigrations = [Alerting1795620000000];
