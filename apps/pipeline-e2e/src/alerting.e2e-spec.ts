import { execFileSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { userUpserted, type UserAlertEvent } from '@ticketflow/contracts';
import { EventProducer } from '@ticketflow/kafka';
import {
  REPO_ROOT,
  collectMessages,
  startServiceProcess,
  createTestSchema,
  eventually,
  testKafka,
  uniqueSuffix,
  type TestSchema,
} from '@ticketflow/testing';
import { ADMIN_EMAIL, WebhookSender, startSimulator, type Simulator } from '@ticketflow/zendesk-simulator';
import { createGatewayApp } from '@ticketflow/gateway';
import { gatewayConfig, gatewayWebhookTargets, listen } from '@ticketflow/gateway/testing';
import { createEnrichmentApp, type EnrichmentApp } from '@ticketflow/enrichment';
import { enrichmentConfig } from '@ticketflow/enrichment/testing';

jest.setTimeout(300_000);

const API_KEY = 'alerting-test-api-key';
const WEBHOOK_SECRET = 'alert-webhook-secret';

describe('end to end: alerting through simulator, gateway and enrichment', () => {
  let sim: Simulator;
  let gateway: INestApplication;
  let enrichment: EnrichmentApp;
  let schemas: TestSchema[] = [];
  let producer: EventProducer;
  let hooks: Server;
  const notifications: { body: string; signature: string }[] = [];
  let alerting: ChildProcess | null = null;
  let alertingEnv: Record<string, string>;
  const alertingPort = 3_903;

  const startAlerting = async () => {
    alerting = await startServiceProcess('alerting', alertingPort, alertingEnv);
  };
  const alertHistory = async (userId: string) =>
    (
      (await (
        await fetch(`http://127.0.0.1:${alertingPort}/alerts?userId=${userId}`, {
          headers: { 'x-api-key': API_KEY },
        })
      ).json()) as {
        alerts: { alertId: string; kind: string; openCount: number; notification: { status: string } }[];
      }
    ).alerts;

  beforeAll(async () => {
    execFileSync(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', join(REPO_ROOT, 'tsconfig.build.json')]);
    schemas = [await createTestSchema('e2e_enrich'), await createTestSchema('e2e_alert')];
    sim = await startSimulator({ tickets: 30, seed: 21, apiFaults: { errorRate: 0 } });
    const config = enrichmentConfig(
      { url: sim.url, email: ADMIN_EMAIL, token: sim.apiToken },
      schemas[0]!.schema,
    );
    ({ app: gateway } = await createGatewayApp(
      gatewayConfig({ TICKET_EVENTS_TOPIC: config.TICKET_EVENTS_TOPIC }),
    ));
    const gatewayUrl = await listen(gateway);
    enrichment = await createEnrichmentApp(config);
    await listen(enrichment.app);
    sim.webhooks = new WebhookSender(sim.world, gatewayWebhookTargets(gatewayUrl, ['events']));
    hooks = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        notifications.push({ body, signature: String(req.headers['x-ticketflow-signature']) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    alertingEnv = {
      PORT: String(alertingPort),
      DATABASE_SCHEMA: schemas[1]!.schema,
      ALERTING_API_KEYS: API_KEY,
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks`,
      ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      CONSUMER_GROUP: `alerting-${uniqueSuffix()}`,
      USER_OPEN_TICKETS_TOPIC: config.USER_OPEN_TICKETS_TOPIC,
      USER_OPEN_TICKET_COUNT_TOPIC: `user.open-ticket-count.v1.test-${uniqueSuffix()}`,
      USER_ALERTS_TOPIC: `user.alerts.v1.test-${uniqueSuffix()}`,
      OTEL_SDK_DISABLED: 'true',
      LOG_LEVEL: 'error',
    };
    producer = new EventProducer(testKafka('alerting-e2e'));
    await producer.connect();
    // Every requester is a company user.
    const users = sim.world.directory.requesters.map((r) => userUpserted(`u${r.id}`, r.email));
    await producer.publish(
      enrichment.runtime.topics.users,
      users.map((value) => ({ key: value.userId, value })),
    );
    await startAlerting();
  });

  afterAll(async () => {
    alerting?.kill('SIGTERM');
    for (const close of [
      () => producer?.disconnect(),
      () => sim?.close(),
      () => gateway?.close(),
      () => enrichment?.app.close(),
    ]) {
      await close()?.catch(() => undefined);
    }
    if (hooks) await new Promise((resolve) => hooks.close(resolve));
    for (const schema of schemas) await schema.drop().catch(() => undefined);
  });

  const alertsInKafka = (done: (alerts: UserAlertEvent[]) => boolean) =>
    collectMessages(
      testKafka('alerts-read'),
      alertingEnv.USER_ALERTS_TOPIC!,
      (m) => done(m.map((x) => JSON.parse(x.value) as UserAlertEvent)),
      60_000,
    ).then((m) => m.map((x) => JSON.parse(x.value) as UserAlertEvent));

  it('alerts once at the 4th open ticket, re-arms when the count falls back to 3, and survives kill -9 without a duplicate', async () => {
    // A requester with no open ticket yet.
    const open = sim.truth.openTicketsByEmail();
    const requester = sim.world.directory.requesters.find((r) => !open[r.email.toLowerCase()])!;
    const userId = `u${requester.id}`;
    const created: number[] = [];
    for (let i = 0; i < 4; i++) created.push(sim.world.createTicket({ requesterId: requester.id }).ticketId);
    await alertsInKafka((a) => a.some((x) => x.userId === userId));
    // A 5th open ticket: still above, no second alert.
    created.push(sim.world.createTicket({ requesterId: requester.id }).ticketId);
    await eventually(async () =>
      (await enrichment.runtime.lag(enrichment.runtime.topics.tickets.name)) === 0 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const alerts = await alertsInKafka((a) => a.some((x) => x.userId === userId));
    expect(alerts.filter((a) => a.userId === userId).map((a) => [a.type, a.openCount])).toEqual([
      ['user.threshold.exceeded', 4],
    ]);
    const history = await eventually(async () => {
      const h = await alertHistory(userId);
      return h.length === 1 && h[0]!.notification.status === 'sent' ? h : undefined;
    });
    expect(history[0]).toMatchObject({ kind: 'exceeded', openCount: 4 });
    const note = notifications.find((n) => n.body.includes(userId))!;
    expect(note.signature).toBe(
      `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(note.body).digest('hex')}`,
    );
    expect(JSON.parse(note.body).text).toContain('4 open Zendesk tickets');

    // Solving two takes 5 → 3: recovered, re-armed; a new ticket takes it to 4 again: a second alert.
    sim.world.updateTicket(created[0]!, { status: 'solved' });
    sim.world.updateTicket(created[1]!, { status: 'solved' });
    await alertsInKafka((a) => a.some((x) => x.userId === userId && x.type === 'user.threshold.recovered'));

    // kill -9 mid-stream: more users cross the threshold while alerting is down, then it restarts.
    const others = sim.world.directory.requesters
      .filter((r) => !open[r.email.toLowerCase()] && r.id !== requester.id)
      .slice(0, 3);
    for (const other of others) for (let i = 0; i < 2; i++) sim.world.createTicket({ requesterId: other.id });
    alerting!.kill('SIGKILL');
    for (const other of others) for (let i = 0; i < 3; i++) sim.world.createTicket({ requesterId: other.id });
    sim.world.createTicket({ requesterId: requester.id });
    await sim.webhooks!.flush();
    await startAlerting();

    const expected = [userId, ...others.map((o) => `u${o.id}`)];
    const final = await alertsInKafka((a) =>
      expected.every((u) =>
        a.some(
          (x) =>
            x.userId === u &&
            x.type === 'user.threshold.exceeded' &&
            (u !== userId || a.filter((y) => y.userId === u).length >= 3),
        ),
      ),
    );
    const byUser = (u: string) =>
      [...new Map(final.filter((a) => a.userId === u).map((a) => [a.eventId, a])).values()].map(
        (a) => a.type,
      );
    expect(byUser(userId)).toEqual([
      'user.threshold.exceeded',
      'user.threshold.recovered',
      'user.threshold.exceeded',
    ]);
    for (const other of others) expect(byUser(`u${other.id}`)).toEqual(['user.threshold.exceeded']);
    for (const u of expected) {
      const h = await alertHistory(u);
      expect(new Set(h.map((a) => a.alertId)).size).toBe(h.length);
      expect(h.length).toBe(byUser(u).length);
    }
  });

  it('leaves its consumer group on SIGTERM, and a restarted process is consuming again within seconds', async () => {
    const admin = testKafka('alerting-e2e-admin').admin();
    await admin.connect();
    const members = async () =>
      (await admin.describeGroups([alertingEnv.CONSUMER_GROUP!])).groups[0]!.members.length;
    try {
      expect(await members()).toBe(1);
      const exited = new Promise((resolve) => alerting!.once('exit', resolve));
      alerting!.kill('SIGTERM');
      await exited;
      // The member left: no session timeout to wait out before the partitions move.
      expect(await members()).toBe(0);
      const started = Date.now();
      await startAlerting(); // ready = the consumer joined its group
      const joinedMs = Date.now() - started;
      process.stderr.write(`alerting restarted and joined its group in ${joinedMs} ms\n`);
      expect(joinedMs).toBeLessThan(10_000);
      expect(await members()).toBe(1);
    } finally {
      await admin.disconnect();
    }
  });
});
