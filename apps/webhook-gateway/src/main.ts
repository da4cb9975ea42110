import { startTracing } from '@ticketflow/observability';
// Tracing first: auto-instrumentation patches modules as they load.
startTracing('webhook-gateway');

import { loadConfig } from '@ticketflow/config';
import { createGatewayApp } from './app';
import { GatewayEnv } from './config';

async function main() {
  const config = loadConfig(GatewayEnv);
  const app = await createGatewayApp(config);
  await app.listen(config.PORT, '0.0.0.0');
}

main().catch((error) => {
  process.stderr.write(
    `webhook-gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
