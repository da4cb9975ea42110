import { EnrichmentReadModels1795610000000 } from './1795610000000-enrichment-read-models';
import { OpenSetPublisher1795640000000 } from './1795640000000-open-set-publisher';

export const enrichmentMigrations = [EnrichmentReadModels1795610000000, OpenSetPublisher1795640000000];
