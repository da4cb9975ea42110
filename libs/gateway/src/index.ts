export * from './gateway.config';
export * from './gateway.metrics';
export * from './gateway.runtime';
export * from './gateway.service';
export * from './kafka-probe';
export * from './webhook.service';
