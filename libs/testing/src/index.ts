export * from './infrastructure';
export * from './kafka';
export * from './postgres';
export * from './service-env';
export * from './database';
export * from './processes';
