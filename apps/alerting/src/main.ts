import { startTracing } from '@ticketflow/observability';
// Tracing first: auto-instrumentation patches modules as they load.
startTracing('alerting');

import { loadConfig } from '@ticketflow/config';
import { AlertingEnv, createAlertingApp } from '@ticketflow/alerting';
import { runService } from '@ticketflow/service';

runService('alerting', async () => {
  const config = loadConfig(AlertingEnv);
  const { app } = await createAlertingApp(config);
  await app.listen(config.PORT, config.HOST);
});
