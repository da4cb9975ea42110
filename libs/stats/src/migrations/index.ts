import { StatsHourly1795660000000 } from './1795660000000-stats-hourly';
import { StatsRevisions1795670000000 } from './1795670000000-stats-revisions';

/** The stats-collector's tables, after `persistenceMigrations` (the outbox). */
export const statsMigrations = [StatsHourly1795660000000, StatsRevisions1795670000000];
