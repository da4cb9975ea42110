export * from './signature';
export * from './rest-types';
export * from './webhook-types';
