export * from './api-key.guard';
export * from './service';
export * from './service.tokens';
export * from './service.metrics';
