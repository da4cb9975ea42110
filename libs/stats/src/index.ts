import { StatsHourly1795660000000 } from './migrations/1795660000000-stats-hourly';
import { StatsRevisions1795670000000 } from './migrations/1795670000000-stats-revisions';

export * from './canonical';
export * from './completion';
export * from './compute';
export * from './config';
export * from './decide';
export * from './events';
export * from './evolve';
export * from './hours';
export * from './ids';
export * from './solves';
export * from './state';
export * from './streams';
export * from './tickets';
export * from './time';
export * from './verify';
export * from './collector';
export * from './store';
export * from './runner';

/** The stats-collector's tables, after `persistenceMigrations` (the outbox). */
export const statsMigrations = [StatsHourly1795660000000, StatsRevisions1795670000000];
