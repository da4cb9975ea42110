import { startTracing } from '@ticketflow/observability';
// Tracing first: auto-instrumentation patches modules as they load.
startTracing('stats-collector');

import { loadConfig } from '@ticketflow/config';
import { StatsCollectorEnv, createStatsCollectorApp } from '@ticketflow/stats';
import { runService } from '@ticketflow/service';

runService('stats-collector', async () => {
  const config = loadConfig(StatsCollectorEnv);
  const { app, runtime } = await createStatsCollectorApp(config);
  await app.listen(config.PORT, config.HOST);
  // A CronJob run: everything due is done, the process ends.
  if (config.STATS_MODE === 'once') {
    await runtime.finished;
    await app.close();
  }
});
