export * from './projection';
export * from './store';
export * from './projector';
export * from './reconciler';
export * from './requester-resolver';
import { EnrichmentReadModels1795610000000 } from './migrations/1795610000000-enrichment-read-models';

export const enrichmentMigrations = [EnrichmentReadModels1795610000000];
