export * from './threshold';
export * from './processor';
export * from './notifier';
export * from './alert-history';
export { alertingMigrations } from './migrations';
export * from './alerting.config';
export * from './alerting.runtime';
export * from './alerting.service';
export * from './alerting.metrics';
