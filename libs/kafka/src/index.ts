export * from './client';
export * from './topics';
export * from './producer';
export * from './consumer';
export * from './trace-context';
export * from './batch-consumer';
export * from './dead-letter';
export * from './failure';
