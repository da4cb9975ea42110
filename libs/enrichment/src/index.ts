export * from './projection';
export * from './store';
export * from './projector';
export * from './open-set-publisher';
export * from './reconciler';
export * from './requester-resolver';
import { EnrichmentReadModels1795610000000 } from './migrations/1795610000000-enrichment-read-models';
import { OpenSetPublisher1795640000000 } from './migrations/1795640000000-open-set-publisher';

export const enrichmentMigrations = [EnrichmentReadModels1795610000000, OpenSetPublisher1795640000000];
export * from './change-feed';
