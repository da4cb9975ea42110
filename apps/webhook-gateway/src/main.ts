import { startTracing } from '@ticketflow/observability';
// Tracing first: auto-instrumentation patches modules as they load.
startTracing('webhook-gateway');

import { loadConfig } from '@ticketflow/config';
import { GatewayEnv, createGatewayApp } from '@ticketflow/gateway';
import { runService } from '@ticketflow/service';

runService('webhook-gateway', async () => {
  const config = loadConfig(GatewayEnv);
  const { app } = await createGatewayApp(config);
  await app.listen(config.PORT, config.HOST);
});
