import { startTracing } from '@ticketflow/observability';
// Tracing first: auto-instrumentation patches modules as they load.
startTracing('enrichment');

import { loadConfig } from '@ticketflow/config';
import { createEnrichmentApp } from './app';
import { EnrichmentEnv } from './config';

async function main() {
  const config = loadConfig(EnrichmentEnv);
  const { app } = await createEnrichmentApp(config);
  await app.listen(config.PORT, '0.0.0.0');
}

main().catch((error) => {
  process.stderr.write(
    `enrichment failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
