import { startTracing } from '@ticketflow/observability';
// Tracing first: auto-instrumentation patches modules as they load.
startTracing('alerting');

import { loadConfig } from '@ticketflow/config';
import { createAlertingApp } from './app';
import { AlertingEnv } from './config';

async function main() {
  const config = loadConfig(AlertingEnv);
  const { app } = await createAlertingApp(config);
  await app.listen(config.PORT, '0.0.0.0');
}

main().catch((error) => {
  process.stderr.write(
    `alerting failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
