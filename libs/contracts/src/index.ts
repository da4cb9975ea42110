export * from './common';
export * from './ticket-events';
export * from './user-events';
export * from './alert-events';
export * from './stats';
export * from './topics';
export * from './validation';
export * from './asyncapi';
