// The freshness benchmark's load generator, run as a worker thread: the Zendesk simulator (whose API enrichment
// asks for requester emails), a scenario changing tickets at a steady rate, and each change's signed event
// webhooks to the gateway. It is a thread of its own so that its busy event loop does not delay the thread that
// observes the commits; times cross threads as epoch milliseconds (performance.timeOrigin + performance.now()).
import 'reflect-metadata';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { gatewayWebhookTargets } from '@ticketflow/gateway/testing';
import { WebhookSender, startSimulator } from '@ticketflow/zendesk-simulator';

/** One ticket change: its ticket, the simulator's time of it (ms, its events' occurredAt), when it was made (epoch ms). */
export interface Change {
  ticketId: string;
  at: number;
  start: number;
}

export type ToGenerator =
  | { type: 'webhooks'; gatewayUrl: string }
  | { type: 'run'; ratePerSecond: number; actions: number; seed: number; measured: boolean }
  | { type: 'close' };

export type FromGenerator =
  | { type: 'ready'; url: string; apiToken: string; requesters: { id: number; email: string }[] }
  | { type: 'change'; change: Change }
  /** The scenario made its last change. */
  | { type: 'load-done'; at: number; changes: number; seconds: number; loopDelayP99Ms: number; busy: number }
  /** Every webhook of the run answered. */
  | { type: 'flushed'; webhooks: number; delivered: number; retried: Record<string, number> }
  | { type: 'closed' };

export interface GeneratorOptions {
  tickets: number;
  seed: number;
}

export const epochNow = () => performance.timeOrigin + performance.now();

async function main() {
  const port = parentPort!;
  const post = (message: FromGenerator) => port.postMessage(message);
  const options = workerData as GeneratorOptions;
  const sim = await startSimulator({
    tickets: options.tickets,
    seed: options.seed,
    apiFaults: { errorRate: 0 },
  });
  let measured = false;
  let changes = 0;
  // Registered before the webhook sender, so the start is taken before the webhooks leave.
  sim.world.onUpdate((update) => {
    if (!measured || update.changes.length === 0) return;
    changes++;
    const change = { ticketId: String(update.ticketId), at: update.changes[0]!.at, start: epochNow() };
    post({ type: 'change', change });
  });
  port.on('message', (message: ToGenerator) => {
    if (message.type === 'webhooks')
      sim.webhooks = new WebhookSender(sim.world, gatewayWebhookTargets(message.gatewayUrl, ['events']));
    if (message.type === 'run') void run(message);
    if (message.type === 'close') void sim.close().then(() => post({ type: 'closed' }));
  });

  const run = async (message: Extract<ToGenerator, { type: 'run' }>) => {
    const first = sim.webhooks!.deliveries.length;
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    const utilisation = performance.eventLoopUtilization();
    measured = message.measured;
    changes = 0;
    loopDelay.enable();
    const began = performance.now();
    sim.runScenario({ ratePerSecond: message.ratePerSecond, actions: message.actions, seed: message.seed });
    await sim.scenario!.done;
    measured = false;
    loopDelay.disable();
    post({
      type: 'load-done',
      at: epochNow(),
      changes,
      seconds: (performance.now() - began) / 1000,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      busy: performance.eventLoopUtilization(utilisation).utilization,
    });
    await sim.webhooks!.flush();
    const deliveries = sim.webhooks!.deliveries.slice(first);
    // Deliveries Zendesk's rules had to send again, by what their first attempt got (a 503, a timeout): the tail.
    const retried: Record<string, number> = {};
    for (const d of deliveries)
      if (d.attempts.length > 1)
        retried[String(d.attempts[0]!.status)] = (retried[String(d.attempts[0]!.status)] ?? 0) + 1;
    post({
      type: 'flushed',
      webhooks: deliveries.length,
      delivered: deliveries.filter((d) => d.outcome === 'delivered').length,
      retried,
    });
  };

  post({
    type: 'ready',
    url: sim.url,
    apiToken: sim.apiToken,
    requesters: sim.world.directory.requesters.map((r) => ({ id: r.id, email: r.email })),
  });
}

if (parentPort) void main();
