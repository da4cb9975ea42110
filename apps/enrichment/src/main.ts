import { startTracing } from '@ticketflow/observability';
// Tracing first: auto-instrumentation patches modules as they load.
startTracing('enrichment');

import { loadConfig } from '@ticketflow/config';
import { EnrichmentEnv, createEnrichmentApp } from '@ticketflow/enrichment';
import { runService } from '@ticketflow/service';

runService('enrichment', async () => {
  const config = loadConfig(EnrichmentEnv);
  const { app } = await createEnrichmentApp(config);
  await app.listen(config.PORT, config.HOST);
});
