import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Topics, userUpserted } from '@ticketflow/contracts';
import { EventProducer, createKafka } from '@ticketflow/kafka';
import { REPO_ROOT, eventually, portOpen } from '@ticketflow/testing';
import { ADMIN_EMAIL } from '@ticketflow/zendesk-simulator';

jest.setTimeout(900_000);

// A copy beside any the developer runs: every port + OFFSET, its own database, logs and world.
const OFFSET = 30_000;
const port = (base: number) => base + OFFSET;
const SERVICES = [
  { name: 'webhook-gateway', url: `http://127.0.0.1:${port(3001)}/health/ready` },
  { name: 'zendesk-simulator', url: `http://127.0.0.1:${port(4010)}/_simulator/health` },
  { name: 'enrichment', url: `http://127.0.0.1:${port(3002)}/health/ready` },
  { name: 'alerting', url: `http://127.0.0.1:${port(3003)}/health/ready` },
  { name: 'stats-collector', url: `http://127.0.0.1:${port(3004)}/health/ready` },
];
const SIMULATOR = `http://127.0.0.1:${port(4010)}`;
const ENRICHMENT = `http://127.0.0.1:${port(3002)}`;
const KAFKA_PORT = port(9092);
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/ticketflow_${OFFSET}`;
const API_KEY = { 'x-api-key': 'local-dev-api-key' };
const ZENDESK_AUTH = {
  authorization: `Basic ${Buffer.from(`${ADMIN_EMAIL}/token:simulator-api-token`).toString('base64')}`,
  'content-type': 'application/json',
};
const MARKER = { userId: 'start-test-marker', email: 'start-test-marker@example.com' };

interface Run {
  child: ChildProcess;
  output: () => string;
  /** Seconds from the command to "Ticketflow is up". */
  upAfter: number;
  /** Seconds from "up" until every service answered ready. */
  readyAfterUp: number;
}

const outDir = mkdtempSync(join(tmpdir(), 'start-script-'));

/** `bash scripts/start.sh [args] 2>&1 | tee FILE`, as a terminal's foreground job: its own process group. */
async function start(...args: string[]): Promise<Run> {
  const began = Date.now();
  const child = spawn(
    'bash',
    ['-c', 'bash scripts/start.sh "$@" 2>&1 | tee "$0"', join(outDir, 'start.log'), ...args],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
      // A still account (the environment overrides services.txt): only the test changes the world.
      env: { ...process.env, TICKETFLOW_PORT_OFFSET: String(OFFSET), SIM_SCENARIO_RATE: '0' },
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const up = await Promise.race([
    eventually(() => (output.includes('Ticketflow is up') ? Date.now() : undefined), 300_000),
    exited.then(() => {
      throw new Error(`start.sh ended before it was up:\n${output}`);
    }),
  ]);
  await eventually(async () => {
    const answers = await Promise.all(
      SERVICES.map((s) =>
        fetch(s.url).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    return answers.every(Boolean) ? true : undefined;
  }, 60_000);
  const run = {
    child,
    output: () => output,
    upAfter: (up - began) / 1000,
    readyAfterUp: (Date.now() - up) / 1000,
  };
  console.log(
    `start.sh ${args.join(' ')}: up after ${run.upAfter} s, every service ready ${run.readyAfterUp} s after up`,
  );
  return run;
}

/** Processes of the run's group, and the run's Kafka broker (its own session). */
function leftovers(run: Run): string[] {
  const left: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (pgrp === run.child.pid || cmdline.includes(`run-${KAFKA_PORT}/server.properties`))
        left.push(`${pid} ${cmdline}`);
    } catch {
      // ended while being read
    }
  }
  return left;
}

/** Ctrl-C: SIGINT to the whole foreground group, tee included; everything must end by itself. */
async function ctrlC(run: Run) {
  const began = Date.now();
  process.kill(-run.child.pid!, 'SIGINT');
  await eventually(() => (leftovers(run).length === 0 ? true : undefined), 90_000).catch(() => {
    throw new Error(`left after Ctrl-C:\n${leftovers(run).join('\n')}`);
  });
  for (const p of [KAFKA_PORT, port(3001), port(3002), port(3003), port(3004), port(4010)])
    expect(await portOpen(p)).toBe(false);
  const seconds = (Date.now() - began) / 1000;
  console.log(`Ctrl-C through a pipe: no process left after ${seconds} s`);
  // Every service stopped by itself: none ran into its 25 s stop deadline.
  expect(seconds).toBeLessThan(20);
}

/** The local simulator fails 2 % of API calls on purpose (SIM_ERROR_RATE): retried as a Zendesk client would. */
async function zendeskFetch(url: string, init: RequestInit = {}): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, init);
    if ((response.status < 500 && response.status !== 429) || attempt === 8) return response;
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = ZENDESK_AUTH,
  method = 'POST',
) {
  const response = await zendeskFetch(url, { method, headers, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

interface TruthTicket {
  id: number;
  status: string;
  open: boolean;
  deleted: 'soft' | 'permanent' | null;
}

/** Tickets whose stored status or open flag differs from the simulator's truth (or that are missing). */
async function differences(): Promise<string[]> {
  const truth = (await (await fetch(`${SIMULATOR}/_simulator/truth/tickets`)).json()) as TruthTicket[];
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    const { rows } = await db.query<{ ticket_id: string; status: string; open: boolean }>(
      `SELECT ticket_id, status, open FROM tickets`,
    );
    const stored = new Map(rows.map((r) => [r.ticket_id, r]));
    const known = new Set(truth.map((t) => String(t.id)));
    return [
      ...truth
        .filter((t) => t.deleted !== 'permanent')
        .flatMap((t) => {
          const row = stored.get(String(t.id));
          return row?.status === t.status && row.open === t.open
            ? []
            : [`${t.id}: truth ${t.status}/${t.open}, stored ${row ? `${row.status}/${row.open}` : 'none'}`];
        }),
      // Stored tickets Zendesk never had: state from another world.
      ...rows
        .filter((r) => !known.has(r.ticket_id))
        .map((r) => `${r.ticket_id}: stored, unknown to the truth`),
    ];
  } finally {
    await db.end();
  }
}

/** Polls until stored state equals the truth; returns the differences left after the timeout. */
async function converged(timeoutMs = 120_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await differences();
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** The ticket's updated_at in the simulator's REST API, null when it has no such ticket. */
async function ticketUpdatedAt(id: number): Promise<string | null> {
  const response = await zendeskFetch(`${SIMULATOR}/api/v2/tickets/${id}.json`, { headers: ZENDESK_AUTH });
  if (response.status === 404) return null;
  return ((await response.json()) as { ticket: { updated_at: string } }).ticket.updated_at;
}

/** How many company users enrichment knows under the marker's email. */
const markerUsers = async () =>
  (
    (await (
      await fetch(`${ENRICHMENT}/users?email=${encodeURIComponent(MARKER.email)}`, { headers: API_KEY })
    ).json()) as { users: unknown[] }
  ).users.length;

describe('scripts/start.sh: start, Ctrl-C through a pipe, start again, --fresh', () => {
  let run: Run | null = null;

  afterAll(async () => {
    // After a failure: stop that run, and wait for it, before its database goes.
    if (run && leftovers(run).length > 0) {
      process.kill(-run.child.pid!, 'SIGTERM');
      await eventually(() => (leftovers(run!).length === 0 ? true : undefined), 90_000).catch(() =>
        console.error(`left after SIGTERM:\n${leftovers(run!).join('\n')}`),
      );
    }
    // The test's own copy leaves no database behind.
    const db = new Client({ connectionString: DATABASE_URL.replace(/ticketflow_\d+$/, 'postgres') });
    await db.connect();
    await db.query(`DROP DATABASE IF EXISTS ticketflow_${OFFSET} WITH (FORCE)`);
    await db.end();
  });

  it('keeps one world across restarts, stops everything on Ctrl-C, and --fresh starts a clean one', async () => {
    run = await start('--fresh');
    const firstUpAfter = run.upAfter;
    // Changes of this run: a ticket made and changed through the API, a company user published by another service.
    const requester = (
      (await (await fetch(`${SIMULATOR}/_simulator/requesters`)).json()) as { email: string }[]
    )[0]!;
    const created = await post(`${SIMULATOR}/api/v2/tickets.json`, {
      ticket: { subject: 'Kept across restarts?', requester: { email: requester.email } },
    });
    const changed = (created['ticket'] as { id: number }).id;
    await post(
      `${SIMULATOR}/api/v2/tickets/${changed}.json`,
      { ticket: { status: 'hold' } },
      ZENDESK_AUTH,
      'PUT',
    );
    const changedAt = await ticketUpdatedAt(changed);
    const producer = new EventProducer(
      createKafka({ brokers: [`127.0.0.1:${KAFKA_PORT}`], clientId: 'start-test' }),
    );
    await producer.connect();
    await producer.publish(Topics.userEvents, [
      { key: MARKER.userId, value: userUpserted(MARKER.userId, MARKER.email) },
    ]);
    await producer.disconnect();
    expect(await converged()).toEqual([]);
    await eventually(async () => ((await markerUsers()) === 1 ? true : undefined));
    await ctrlC(run);

    // Without --fresh: the same world, the stored state agrees with it, and every service is ready at once.
    run = await start();
    expect(run.readyAfterUp).toBeLessThan(10);
    // "Up" waits for every consumer in its group: members left behind would hold it ~26 s (their session timeout).
    expect(run.upAfter).toBeLessThan(firstUpAfter + 10);
    expect(await ticketUpdatedAt(changed)).toBe(changedAt);
    expect(await converged()).toEqual([]);
    expect(await markerUsers()).toBe(1);
    await ctrlC(run);

    // --fresh: Kafka, the database and the world are new.
    run = await start('--fresh');
    expect(await ticketUpdatedAt(changed)).not.toBe(changedAt);
    expect(await markerUsers()).toBe(0);
    expect(await converged()).toEqual([]);
    await ctrlC(run);
    run = null;
  });
});
