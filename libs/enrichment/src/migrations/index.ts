import { EnrichmentReadModels1795610000000 } from './1795610000000-enrichment-read-models';
import { OpenSetPublisher1795640000000 } from './1795640000000-open-set-publisher';
import { OpenSetTrace1795690000000 } from './1795690000000-open-set-trace';
import { ProjectionWritePath1795700000000 } from './1795700000000-projection-write-path';
import { TicketClassification1795710000000 } from './1795710000000-ticket-classification';
import { OpenSetsInDoubt1795720000000 } from './1795720000000-open-sets-in-doubt';
import { TicketCustomFields1795730000000 } from './1795730000000-ticket-custom-fields';
import { RequesterEmailOrder1795740000000 } from './1795740000000-requester-email-order';
import { RequesterLookups1795750000000 } from './1795750000000-requester-lookups';

export const enrichmentMigrations = [
  EnrichmentReadModels1795610000000,
  OpenSetPublisher1795640000000,
  OpenSetTrace1795690000000,
  ProjectionWritePath1795700000000,
  TicketClassification1795710000000,
  OpenSetsInDoubt1795720000000,
  TicketCustomFields1795730000000,
  RequesterEmailOrder1795740000000,
  RequesterLookups1795750000000,
];
