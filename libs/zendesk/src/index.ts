export * from './signature';
export * from './rest-types';
export * from './webhook-types';
export * from './normalize';
export * from './webhook-intake';
export * from './client';
export * from './shared-budget';
