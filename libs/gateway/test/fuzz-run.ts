// The long fuzz run (scripts/fuzz.sh): the seeded cases of the CI fuzz test, by default 10,000, against the built
// gateway (dist/apps/webhook-gateway) as a process of its own, so its memory and event loop are its own.
//   tsx libs/gateway/test/fuzz-run.ts [--cases N] [--seed S] [--concurrency C]
// Needs KAFKA_BROKERS and a build (tsc -p tsconfig.build.json); scripts/fuzz.sh provides both. Prints a report;
// exits 1 when a property fails. Removes its topics, consumer group and gateway process whatever happens.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Topics, deadLetterTopicOf } from '@ticketflow/contracts';
import { REPO_ROOT, SERVICE_NODE_FLAGS, eventually, testKafka, uniqueSuffix } from '@ticketflow/testing';
import { ZENDESK_TEST_SIGNING_SECRET } from '@ticketflow/zendesk';
import { GatewayEnv } from '../src/gateway.config';
import { checkFuzzTopic, fuzzCases, sendFuzzCases } from './fuzz';

const out = (line = '') => process.stdout.write(`${line}\n`);

function options() {
  const args = process.argv.slice(2);
  const names = ['--cases', '--seed', '--concurrency'];
  for (let i = 0; i < args.length; i += 2)
    if (!names.includes(args[i]!)) throw new Error(`unknown argument ${args[i]} (${names.join(' N, ')} N)`);
  const value = (name: string, fallback: number) => {
    const at = args.indexOf(`--${name}`);
    if (at < 0) return fallback;
    const n = Number(args[at + 1]);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} takes a positive integer`);
    return n;
  };
  return {
    cases: value('cases', 10_000),
    seed: value('seed', 20_261_125),
    concurrency: value('concurrency', 4),
  };
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** The gateway as deployed (scripts/start.sh, docker/Dockerfile), plus an inspector on a free loopback port. */
async function startGateway(port: number, env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    [
      ...SERVICE_NODE_FLAGS,
      // Only to ask V8 for a full GC before memory is read; nothing else attaches.
      '--inspect=127.0.0.1:0',
      '-r',
      './tools/register-paths.js',
      'dist/apps/webhook-gateway/src/main.js',
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  process.once('exit', () => child.kill('SIGKILL'));
  let inspector: string | undefined;
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    inspector ??= /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
    // Its own lines (errors), not the inspector's notices.
    for (const line of text.split('\n'))
      if (line && !/Debugger (listening|ending|attached)|For help, see|Waiting for the debugger/.test(line))
        process.stderr.write(`[gateway] ${line}\n`);
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}`);
      const ready = await fetch(`${url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      return ready && inspector ? true : undefined;
    }, 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { child, url, inspector: inspector! };
}

/** VmRSS (now) and VmHWM (peak since start) of a process, in MB. */
function memoryOf(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) / 1024;
  return { rss: mb('VmRSS'), peak: mb('VmHWM') };
}

/**
 * A full garbage collection in the process behind an inspector (HeapProfiler.collectGarbage, twice), then its
 * memory as it sees it (MB): RSS, V8 heap used, and memory outside the heap (Buffers).
 */
async function collectGarbage(inspectorUrl: string) {
  const socket = new WebSocket(inspectorUrl);
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error(`no inspector at ${inspectorUrl}`));
  });
  let id = 0;
  const call = (method: string, params: object = {}) => {
    const own = ++id;
    const answered = new Promise<{ result?: { result?: { value?: unknown } } }>((resolve) => {
      socket.onmessage = (message) => {
        const answer = JSON.parse(String(message.data)) as {
          id?: number;
          result?: { result?: { value?: unknown } };
        };
        if (answer.id === own) resolve(answer);
      };
    });
    socket.send(JSON.stringify({ id: own, method, params }));
    return answered;
  };
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const usage = await call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    });
    const m = JSON.parse(String(usage.result?.result?.value)) as NodeJS.MemoryUsage;
    const mb = (bytes: number) => bytes / 2 ** 20;
    return { heapUsed: mb(m.heapUsed), external: mb(m.external + m.arrayBuffers) };
  } finally {
    socket.close();
  }
}

/** The gateway's event-loop delay since its previous /metrics scrape (prom-client resets its histogram). */
async function loopDelaySinceLastScrape(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const seconds = (name: string) =>
    Number(new RegExp(`^nodejs_eventloop_lag_${name}_seconds(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
  return { p99Ms: seconds('p99') * 1000, maxMs: seconds('max') * 1000, metricsBytes: text.length };
}

async function main() {
  const { cases, seed, concurrency } = options();
  if (!process.env['KAFKA_BROKERS'])
    throw new Error('KAFKA_BROKERS is required (scripts/fuzz.sh starts a broker)');
  const config = GatewayEnv.parse({
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
    ZENDESK_WEBHOOK_SECRETS: ZENDESK_TEST_SIGNING_SECRET,
    TICKET_EVENTS_TOPIC: `${Topics.ticketEvents.name}.fuzz-${uniqueSuffix()}`,
  });
  const topic = config.TICKET_EVENTS_TOPIC;
  const kafka = testKafka('gateway-fuzz-run');
  const admin = kafka.admin();
  await admin.connect();
  let gateway: ChildProcess | undefined;
  const stop = () => gateway?.kill('SIGKILL');
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    const started = await startGateway(await freePort(), {
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
      ZENDESK_WEBHOOK_SECRETS: ZENDESK_TEST_SIGNING_SECRET,
      TICKET_EVENTS_TOPIC: topic,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error', // thousands of rejections are the point, not news
      OTEL_SDK_DISABLED: 'true',
    });
    gateway = started.child;
    const pid = gateway.pid!;
    const { url } = started;
    const cold = { ...(await collectGarbage(started.inspector)), ...memoryOf(pid) };
    await loopDelaySinceLastScrape(url); // resets the gateway's delay histogram
    let peak = cold.rss;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, memoryOf(pid).rss);
      } catch {
        // the gateway is gone: the run fails on its next request
      }
    }, 200);

    // The first tenth warms the gateway up (code compiled, connections and buffers made): its memory then is the
    // start the run's end is compared with; the cold figure is reported beside it.
    const warmUp = Math.ceil(cases / 10);
    out(`fuzzing ${url} (pid ${pid}): ${cases} cases, seed ${seed}, ${concurrency} at a time`);
    const generator = fuzzCases(cases, seed, config.WEBHOOK_MAX_BYTES);
    const run = await sendFuzzCases(url, generator, { concurrency, limit: warmUp });
    const firstDelay = await loopDelaySinceLastScrape(url);
    const warm = { ...(await collectGarbage(started.inspector)), ...memoryOf(pid) };
    await loopDelaySinceLastScrape(url); // drops the forced GC's pause from the figures
    await sendFuzzCases(url, generator, { concurrency, result: run });
    const lastDelay = await loopDelaySinceLastScrape(url);
    clearInterval(sampler);
    const afterRun = memoryOf(pid);
    const end = { ...(await collectGarbage(started.inspector)), ...memoryOf(pid) };
    const live = (await fetch(`${url}/health/live`)).status;
    const check = await checkFuzzTopic(kafka, topic, run);

    const byStatus: Record<string, number> = {};
    for (const [label, count] of Object.entries(run.answers)) {
      const status = label.split(' ')[0]!;
      byStatus[status] = (byStatus[status] ?? 0) + count;
    }
    const growth = end.rss / warm.rss - 1;
    const verdicts: [string, boolean][] = [
      ['no crash (every request answered, gateway alive)', run.crashes.length === 0 && live === 200],
      ['no 5xx but 503 kafka-unavailable', run.unexpected5xx === 0],
      ['every pristine webhook accepted', run.refusedPristine.length === 0],
      ['no record for rejected input', check.recordsForRejected === 0],
      ['every 2xx event in Kafka', check.answeredNotOnTopic.length === 0],
      ['one record per accepted answer', check.acceptedAnswersWithoutRecord === 0],
      // Ignored types were metric labels: 10,000 cases made it 5.7 MB (issue 16: 400 huge types, 100 MB).
      ['gateway /metrics under 256 KB (no label grows with input)', lastDelay.metricsBytes < 256 * 1024],
      [
        'gateway RSS after the run within 20 % of its start (both after GC, start after the warm-up)',
        growth <= 0.2,
      ],
    ];
    const mb = (n: number) => `${n.toFixed(0)} MB`;
    const percent = (n: number) => `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)} %`;
    out();
    out(`date ${new Date().toISOString()}, Node ${process.version}, gateway in its own process (pid ${pid})`);
    out(`cases ${run.cases} (seed ${seed}, concurrency ${concurrency}) in ${run.seconds.toFixed(1)} s`);
    out(`answers by status ${JSON.stringify(byStatus)}`);
    out(`answers ${JSON.stringify(run.answers)}`);
    out(
      `crashes ${run.crashes.length}${run.crashes.length ? `: ${run.crashes.slice(0, 5).join('; ')}` : ''}`,
    );
    out(`unexpected 5xx ${run.unexpected5xx}; 503 kafka-unavailable ${run.unavailable}`);
    out(`pristine webhooks refused ${run.refusedPristine.length}`);
    for (const refused of run.refusedPristine.slice(0, 5)) out(`  ${refused}`);
    out(
      `records ${check.records} for ${run.accepted.size} accepted event ids; records for rejected input ` +
        `${check.recordsForRejected}; 2xx event ids not in Kafka ${check.answeredNotOnTopic.length}`,
    );
    out(
      `gateway event-loop delay (10 ms resolution): first ${warmUp} cases p99 ${firstDelay.p99Ms.toFixed(1)} ms, ` +
        `max ${firstDelay.maxMs.toFixed(1)} ms; the other ${cases - warmUp} p99 ${lastDelay.p99Ms.toFixed(1)} ms, ` +
        `max ${lastDelay.maxMs.toFixed(1)} ms`,
    );
    out(
      `gateway RSS: cold start ${mb(cold.rss)}, start after ${warmUp} cases ${mb(warm.rss)}, ` +
        `peak ${mb(Math.max(peak, afterRun.peak))}, after the run ${mb(afterRun.rss)}, after GC ${mb(end.rss)} ` +
        `(${percent(growth)} of the start, ${percent(end.rss / cold.rss - 1)} of the cold start)`,
    );
    out(
      `gateway V8 heap used after GC: cold ${mb(cold.heapUsed)}, start ${mb(warm.heapUsed)}, end ` +
        `${mb(end.heapUsed)}; outside the heap (Buffers) ${mb(cold.external)}, ${mb(warm.external)}, ${mb(end.external)}`,
    );
    out(`gateway /metrics after the run: ${(lastDelay.metricsBytes / 1024).toFixed(0)} KB`);
    out();
    for (const [name, ok] of verdicts) out(`${ok ? 'pass' : 'FAIL'}  ${name}`);
    return verdicts.every(([, ok]) => ok);
  } finally {
    if (gateway && gateway.exitCode === null) {
      const exited = new Promise((resolve) => gateway!.once('exit', resolve));
      gateway.kill('SIGTERM');
      const timer = setTimeout(() => gateway!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await admin.deleteTopics({ topics: [topic, deadLetterTopicOf(topic)] }).catch((error: Error) => {
      process.stderr.write(`could not delete topics ${topic}*: ${error.message}\n`);
    });
    await admin.disconnect();
  }
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: Error) => {
    process.stderr.write(`fuzz run failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
