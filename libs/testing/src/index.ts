export * from './infrastructure';
export * from './kafka';
export * from './postgres';
