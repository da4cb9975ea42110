import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { DeadLetterDefaults, Topics, deadLetterTopicOf, userUpserted } from '@ticketflow/contracts';
import { thresholdCrossings } from '@ticketflow/auditor';
import { describeFault, planFaults, NO_WEBHOOK_FAULTS, type Fault, type Killable } from './faults';
import { KafkaCluster } from './kafka-cluster';
import { http, portOpen } from './net';
import { OwnPostgres } from './postgres';
import { ProcessRegistry, sleep } from './processes';
import { Service, servicesTxtEnv, type AppName, type ServiceDefinition } from './services';
import { SimulatorClient, type SimulatorAction } from './simulator-client';
import { LatestWatcher } from './watcher';
import { WorkloadPlanner } from './workload';

export interface SuiteOptions {
  seed: number;
  users: number;
  rounds: number;
  kills: number;
  /** 1: a single node; 3: a KRaft cluster with replication 3 and min.insync.replicas 2. */
  brokers: 1 | 3;
  rebalances: number;
  brokerKills: number;
  postgresRestarts: number;
  noEmailRequesters: number;
  webhookFaultShare: number;
  roundTimeoutMs: number;
  /** After this many rounds that did not converge, the workload stops and the audit runs. */
  maxTimeouts: number;
  build: boolean;
  keep: boolean;
  /** This repository (the suite, the auditor, Kafka jars). */
  repoRoot: string;
  /** Where the services are built and run from (default: repoRoot). */
  servicesRoot: string;
  workDir: string;
  log: (line: string) => void;
}

export interface CheckLine {
  name: string;
  passed: boolean;
  detail: string;
}

export interface SuiteResult {
  seed: number;
  checks: CheckLine[];
  passed: number;
  failed: number;
  figures: Record<string, number | string>;
}

/**
 * Ports of the suite's own: apart from 9092 (start.sh), 19092/29092/29192 (test runs) and 5432 (the machine's
 * server), and below Linux's ephemeral range (32768-60999), where an outgoing connection could already hold one.
 */
export const PORTS = {
  simulator: 3100,
  gateway: 3101,
  enrichment: [3102, 3103, 3106],
  alerting: [3104, 3105, 3107],
  kafka: 27092,
  postgres: 25432,
} as const;

const THRESHOLD = 3;
const ENRICHMENT_SCHEMA = 'enrichment';
const ALERTING_SCHEMA = 'alerting';
const TOPICS = {
  tickets: Topics.ticketEvents.name,
  users: Topics.userEvents.name,
  openSets: Topics.userOpenTickets.name,
  counts: Topics.userOpenTicketCount.name,
  alerts: Topics.userAlerts.name,
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : 0);

/** One seeded run: infrastructure, six service processes, the workload under faults, then the auditor. */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const run = new SuiteRun(options);
  try {
    return await run.execute();
  } finally {
    await run.teardown();
  }
}

class SuiteRun {
  private readonly runDir: string;
  private readonly registry: ProcessRegistry;
  private readonly planner: WorkloadPlanner;
  private readonly services = new Map<string, Service>();
  private readonly checks: CheckLine[] = [];
  private readonly figures: Record<string, number | string> = {};
  private readonly faultErrors: string[] = [];
  private readonly timeouts: string[] = [];
  private readonly roundTimes: number[] = [];
  private postgres!: OwnPostgres;
  private kafka!: KafkaCluster;
  private client!: Kafka;
  private admin: Admin | null = null;
  private producer: Producer | null = null;
  private watcher: LatestWatcher | null = null;
  private sim!: SimulatorClient;
  private requesterOf: number[] = [];
  private withoutEmail: number[] = [];
  private readonly open: number[][];
  private readonly counters = { kills: 0, rebalances: 0, brokerKills: 0, postgresRestarts: 0, reconciles: 0 };
  /** Dropped plus failed deliveries when the last reconciliation pass started. */
  private lostAtLastPass = 0;
  private readonly started = Date.now();
  private readonly adminKey: string;
  private readonly log: (line: string) => void;

  constructor(private readonly o: SuiteOptions) {
    this.log = o.log;
    this.runDir = join(o.workDir, 'run');
    const pidsFile = join(o.workDir, 'pids');
    const orphans = ProcessRegistry.killOrphans(pidsFile, o.workDir);
    if (orphans) this.log(`ended ${orphans} processes a previous run left behind`);
    rmSync(this.runDir, { recursive: true, force: true });
    mkdirSync(join(this.runDir, 'logs'), { recursive: true });
    this.registry = new ProcessRegistry(pidsFile, o.workDir);
    this.planner = new WorkloadPlanner({
      seed: o.seed,
      users: o.users,
      rounds: o.rounds,
      noEmailRequesters: o.noEmailRequesters,
      lateShare: 0.1,
    });
    this.open = this.planner.users.map(() => []);
    this.adminKey = (
      servicesTxtEnv(o.repoRoot).get('enrichment')?.['ADMIN_API_KEYS'] ?? 'local-dev-admin-key'
    ).split(',')[0]!;
  }

  async execute(): Promise<SuiteResult> {
    let ready = false;
    try {
      await this.setUp();
      ready = true;
      await this.workload();
      await this.settle();
    } catch (error) {
      this.checks.push({ name: 'the run completed', passed: false, detail: (error as Error).message });
      this.log(`  ! run aborted: ${(error as Error).stack ?? String(error)}`);
    }
    // Whatever happened to the workload, what the system holds is audited once it was up.
    if (ready)
      await this.audit().catch((error: Error) =>
        this.checks.push({ name: 'the audit ran', passed: false, detail: error.message }),
      );
    return this.result();
  }

  // ---------------------------------------------------------------- set-up

  private async setUp() {
    const { o } = this;
    for (const port of [
      PORTS.simulator,
      PORTS.gateway,
      ...PORTS.enrichment,
      ...PORTS.alerting,
      PORTS.postgres,
      ...Array.from({ length: 2 * o.brokers }, (_, i) => PORTS.kafka + i),
    ])
      if (await portOpen(port)) throw new Error(`port ${port} is taken: is another fault suite running?`);
    if (o.build) this.build();

    this.log(
      `postgres: fresh cluster on 127.0.0.1:${PORTS.postgres}; kafka: ${o.brokers} KRaft node(s) from ${PORTS.kafka}`,
    );
    this.postgres = new OwnPostgres(join(this.runDir, 'pg'), PORTS.postgres, this.registry);
    this.kafka = new KafkaCluster({
      size: o.brokers,
      basePort: PORTS.kafka,
      dir: join(this.runDir, 'kafka'),
      repoRoot: o.repoRoot,
      registry: this.registry,
    });
    this.postgres.init();
    this.kafka.format();
    await Promise.all([this.postgres.start(), this.kafka.start()]);
    await this.postgres.createDatabase('ticketflow');
    this.client = new Kafka({
      clientId: 'fault-suite',
      brokers: this.kafka.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 12, initialRetryTime: 300 },
    });
    this.admin = this.client.admin();
    await this.admin.connect();
    await this.createTopics();

    this.defineServices();
    this.sim = new SimulatorClient(this.service('zendesk-simulator').url);
    const t0 = Date.now();
    await this.startAll(['zendesk-simulator', 'webhook-gateway', 'enrichment-1']);
    // One enrichment and one alerting instance migrate their schema before the second one starts.
    await this.startAll(['enrichment-2', 'alerting-1']);
    await this.startAll(['alerting-2']);
    this.log(
      `services up in ${seconds(Date.now() - t0)}: ${[...this.services.values()]
        .filter((s) => s.running)
        .map((s) => `${s.name}:${s.definition.port}`)
        .join(' ')}`,
    );

    for (const user of this.planner.users)
      this.requesterOf[user.index] = (
        await this.sim.addRequester(user.requesterEmail, `Suite User ${user.index}`)
      ).id;
    for (let i = 0; i < o.noEmailRequesters; i++)
      this.withoutEmail.push((await this.sim.addRequester(null, `Phone Caller ${i}`)).id);
    this.producer = this.client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    await this.producer.send({
      topic: TOPICS.users,
      acks: -1,
      messages: this.planner.users.map((u) => ({
        key: u.userId,
        value: JSON.stringify(userUpserted(u.userId, u.email)),
        headers: { 'event-type': 'user.upserted', 'schema-version': '1' },
      })),
    });
    this.watcher = new LatestWatcher(this.client, [TOPICS.openSets, TOPICS.counts], this.log);
    await this.watcher.start();
    // The backfill: the simulator's generated history (older than the export's last minute) into the read models.
    const pass = await this.reconcile();
    this.log(`backfill reconciliation: ${JSON.stringify(pass)}`);
    await this.sim.mark('start');
  }

  private build() {
    const t0 = Date.now();
    try {
      execFileSync(join(this.o.repoRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
        cwd: this.o.servicesRoot,
        stdio: 'pipe',
      });
      this.log(`built the services in ${seconds(Date.now() - t0)}`);
    } catch (error) {
      const out = String((error as { stdout?: Buffer }).stdout ?? '')
        .trim()
        .split('\n');
      // tsc emits despite type errors; what runs is what was emitted.
      this.log(`  ! tsc reported ${out.length} lines of errors (emitted anyway); first: ${out[0] ?? ''}`);
    }
    for (const app of ['zendesk-simulator', 'webhook-gateway', 'enrichment', 'alerting'])
      if (!existsSync(join(this.o.servicesRoot, `dist/apps/${app}/src/main.js`)))
        throw new Error(`dist/apps/${app}/src/main.js missing after the build`);
  }

  /** Every project topic with the cluster's replication; min.insync.replicas 2 on three brokers, as deployed. */
  private async createTopics() {
    const replication = this.kafka.replication;
    const minIsr = String(replication >= 3 ? 2 : 1);
    const specs = Object.values(Topics).flatMap((t) => [
      { name: t.name, partitions: t.partitions, configs: { ...t.configs } as Record<string, string> },
      {
        name: deadLetterTopicOf(t.name),
        partitions: DeadLetterDefaults.partitions,
        configs: { ...DeadLetterDefaults.configs },
      },
    ]);
    await this.admin!.createTopics({
      waitForLeaders: false,
      topics: specs.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: replication,
        configEntries: Object.entries({ ...t.configs, 'min.insync.replicas': minIsr }).map(
          ([name, value]) => ({
            name,
            value,
          }),
        ),
      })),
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { topics } = await this.admin!.fetchTopicMetadata({ topics: specs.map((s) => s.name) }).catch(
        () => ({
          topics: [] as { partitions: { leader: number }[] }[],
        }),
      );
      if (topics.length === specs.length && topics.every((t) => t.partitions.every((p) => p.leader >= 0)))
        break;
      if (Date.now() > deadline) throw new Error('topics have no leaders after 30 s');
      await sleep(200);
    }
  }

  private defineServices() {
    const { o } = this;
    const txt = servicesTxtEnv(o.repoRoot);
    const common = {
      KAFKA_BROKERS: this.kafka.brokers.join(','),
      KAFKA_REPLICATION_FACTOR: String(this.kafka.replication),
      LOG_LEVEL: 'warn',
      OTEL_SDK_DISABLED: 'true',
    };
    const databaseUrl = this.postgres.url('ticketflow');
    // Instances of one service: `<app>-1`, `<app>-2`, … on the given ports, sharing its schema.
    const members = (app: AppName, ports: readonly number[], env: Record<string, string>) =>
      ports.map((port, i) => ({
        name: `${app}-${i + 1}`,
        app,
        port,
        env: { ...txt.get(app), ...common, DATABASE_URL: databaseUrl, ...env },
      }));
    const defs: ServiceDefinition[] = [
      {
        name: 'zendesk-simulator',
        app: 'zendesk-simulator',
        port: PORTS.simulator,
        env: {
          ...txt.get('zendesk-simulator'),
          SIM_WEBHOOK_URL: `http://127.0.0.1:${PORTS.gateway}/webhooks/zendesk/events`,
          SIM_SCENARIO_RATE: '0',
          SIM_SEED: String(o.seed),
          SIM_TICKETS: '30',
        },
      },
      {
        name: 'webhook-gateway',
        app: 'webhook-gateway',
        port: PORTS.gateway,
        // The suite moves Zendesk's clock a minute ahead per reconciliation: past the default hour in long runs.
        env: { ...txt.get('webhook-gateway'), ...common, WEBHOOK_FUTURE_TOLERANCE_SECONDS: '86400' },
      },
      ...members('enrichment', PORTS.enrichment, {
        ZENDESK_BASE_URL: `http://127.0.0.1:${PORTS.simulator}`,
        DATABASE_SCHEMA: ENRICHMENT_SCHEMA,
        // Passes run when the suite asks (after lost webhooks), so that they cannot hide a race.
        RECONCILE_INTERVAL_SECONDS: '0',
      }),
      ...members('alerting', PORTS.alerting, { DATABASE_SCHEMA: ALERTING_SCHEMA }),
    ];
    for (const def of defs)
      this.services.set(
        def.name,
        new Service(def, o.servicesRoot, join(this.runDir, 'logs'), this.registry, this.log),
      );
  }

  private service(name: string): Service {
    const service = this.services.get(name);
    if (!service) throw new Error(`no service ${name}`);
    return service;
  }

  private async startAll(names: string[]) {
    for (const name of names) this.service(name).start();
    await Promise.all(names.map((name) => this.service(name).waitReady()));
  }

  // ---------------------------------------------------------------- workload

  private async workload() {
    const { o } = this;
    const plan = planFaults({
      seed: o.seed,
      rounds: o.rounds,
      kills: o.kills,
      rebalances: o.rebalances,
      brokerKills: o.brokerKills,
      postgresRestarts: o.postgresRestarts,
      webhookFaultShare: o.webhookFaultShare,
    });
    let creations = 0;
    let solves = 0;
    let rounds = 0;
    for (const round of plan) {
      rounds++;
      const r = round.round;
      await this.sim.setWebhookFaults(round.webhooks);
      const before = await this.sim.deliveries();
      const planned = this.planner.plan(r, (u) => this.open[u]!);
      const actions: SimulatorAction[] = planned.map((a) =>
        a.kind === 'create'
          ? { kind: 'create', requesterId: this.requesterOf[a.user]! }
          : a.kind === 'solve'
            ? { kind: 'solve', ticketId: a.ticketId }
            : { kind: 'create', requesterId: this.withoutEmail[a.requester]! },
      );
      const writtenAt = Date.now();
      const results = await this.sim.apply(actions);
      await this.sim.mark(`round ${r}`);
      const faults = round.faults.map((fault) => this.inject(fault, writtenAt));
      results.forEach((res, i) => {
        const a = planned[i]!;
        if ('error' in res)
          throw new Error(`round ${r}: the simulator refused ${JSON.stringify(actions[i])}: ${res.error}`);
        if (a.kind === 'create') this.open[a.user]!.push(res.ticketId);
        if (a.kind === 'solve') this.open[a.user] = this.open[a.user]!.filter((id) => id !== a.ticketId);
      });
      const created = planned.filter((a) => a.kind !== 'solve').length;
      creations += created;
      solves += planned.length - created;
      const outcome = await this.converge(`round ${r}`, writtenAt, before, Promise.allSettled(faults));
      const w = round.webhooks;
      const above = this.open.filter((ids) => ids.length > THRESHOLD).length;
      this.log(
        `round ${r}/${o.rounds}: +${created} created, -${planned.length - created} solved; ` +
          `faults: ${
            [
              ...round.faults.map(describeFault),
              ...(w === NO_WEBHOOK_FAULTS
                ? []
                : [
                    `webhooks dup/reorder/drop ${w.duplicateRate * 100}/${w.reorderRate * 100}/${w.dropRate * 100} %`,
                  ]),
            ].join('; ') || 'none'
          } -> ${outcome}; ${above} users above ${THRESHOLD}`,
      );
      if (this.timeouts.length >= o.maxTimeouts) {
        this.log(`  ! ${this.timeouts.length} rounds did not converge: the workload stops here`);
        break;
      }
    }
    Object.assign(this.figures, { rounds, creations, solves, changes: creations + solves });
  }

  /**
   * Waits until the latest published open set of every user equals the truth and this round's faults are over.
   * Lost webhooks (dropped, or failed after Zendesk's retries) are repaired by a reconciliation pass, as in
   * production; nothing else is.
   */
  private async converge(
    label: string,
    since: number,
    before: { dropped: number; failed: number },
    faults: Promise<unknown> = Promise.resolve(),
  ): Promise<string> {
    const truth = await this.sim.openTickets();
    const expected = this.planner.users.map((u) =>
      (truth[u.requesterEmail.toLowerCase()] ?? []).map(String).join(','),
    );
    let faultsOver = false;
    void faults.then(() => (faultsOver = true));
    let reconciles = 0;
    let lastPass = 0;
    for (;;) {
      const wrong = this.planner.users.filter((u, i) => this.publishedSet(u.userId) !== expected[i]).length;
      const elapsed = Date.now() - since;
      if (wrong === 0 && faultsOver) break;
      if (elapsed > this.o.roundTimeoutMs && faultsOver) {
        const examples = this.planner.users
          .filter((u, i) => this.publishedSet(u.userId) !== expected[i])
          .slice(0, 3)
          .map((u) => `${u.userId} published [${this.publishedSet(u.userId)}] truth [${expected[u.index]}]`);
        this.timeouts.push(
          `${label}: ${wrong} users' open sets not converged after ${seconds(elapsed)} (${examples.join('; ')})`,
        );
        return `NOT CONVERGED in ${seconds(elapsed)}: ${wrong} users wrong`;
      }
      if (wrong > 0 && elapsed > 3_000 && Date.now() - lastPass > 10_000) {
        const d = await this.sim.deliveries();
        const lost = d.dropped + d.failed;
        if (lost > before.dropped + before.failed && (reconciles === 0 || lost > this.lostAtLastPass)) {
          lastPass = Date.now();
          if (await this.tryReconcile(lost)) reconciles++;
        }
      }
      await sleep(250);
    }
    const took = Date.now() - since;
    if (label !== 'final') this.roundTimes.push(took);
    return `converged in ${seconds(took)}${reconciles ? ` (${reconciles} reconciliation${reconciles > 1 ? 's' : ''})` : ''}`;
  }

  private publishedSet(userId: string): string {
    const value = this.watcher!.value(TOPICS.openSets, userId) as
      { openTicketIds?: unknown } | undefined | null;
    const ids = Array.isArray(value?.openTicketIds) ? value.openTicketIds.map(String) : [];
    return ids.sort((a, b) => Number(a) - Number(b)).join(',');
  }

  /** A pass; false (logged) when it failed, so that it is tried again. */
  private async tryReconcile(lost: number): Promise<boolean> {
    try {
      await this.reconcile();
      this.lostAtLastPass = lost;
      return true;
    } catch (error) {
      this.log(`  ! reconciliation failed (${(error as Error).message}); retrying`);
      return false;
    }
  }

  /** A pass on a live enrichment instance, after moving Zendesk's clock past the export's excluded last minute. */
  private async reconcile(): Promise<unknown> {
    await this.sim.advanceClock(61_000);
    const target = ['enrichment-1', 'enrichment-2'].map((n) => this.service(n)).find((s) => s.running);
    if (!target) throw new Error('no enrichment instance running');
    this.counters.reconciles++;
    return http('POST', `${target.url}/admin/reconcile`, {}, { 'x-api-key': this.adminKey }, 120_000);
  }

  // ---------------------------------------------------------------- faults

  private async inject(fault: Fault, from: number): Promise<void> {
    await sleep(Math.max(0, from + fault.atMs - Date.now()));
    try {
      switch (fault.kind) {
        case 'kill':
          return await this.kill(fault.target, fault.downMs);
        case 'rebalance': {
          const third = this.service(`${fault.group}-3`);
          third.start();
          await third.waitReady();
          this.counters.rebalances++;
          await sleep(fault.stayMs);
          const how = await third.stop(10_000);
          if (how === 'killed') this.log(`  ! ${third.name} did not exit within 10 s of SIGTERM (killed)`);
          return;
        }
        case 'broker-kill': {
          const id = this.kafka.nodes.length > 1 ? await this.kafka.leaderOf(this.admin!, TOPICS.tickets) : 1;
          await this.kafka.kill9(id);
          this.counters.brokerKills++;
          await sleep(fault.downMs);
          await this.kafka.restart(id);
          return;
        }
        case 'postgres-restart':
          await this.postgres.crash();
          this.counters.postgresRestarts++;
          await sleep(fault.downMs);
          await this.postgres.start();
          return;
      }
    } catch (error) {
      this.faultErrors.push(`${describeFault(fault)}: ${(error as Error).message}`);
      this.log(`  ! ${describeFault(fault)}: ${(error as Error).message}`);
    }
  }

  private async kill(target: Killable, downMs: number) {
    const service = this.service(target);
    if (!service.running) {
      this.log(`  ! ${target} is not running; kill skipped`);
      return;
    }
    await service.kill9();
    this.counters.kills++;
    await sleep(downMs);
    service.start();
    await service.waitReady();
  }

  // ---------------------------------------------------------------- end

  /** No more faults: every delivery finished, open sets and alerting's counts caught up (or gave up). */
  private async settle() {
    await this.sim.setWebhookFaults(NO_WEBHOOK_FAULTS);
    const deadline = Date.now() + 90_000;
    while ((await this.sim.deliveries()).pending > 0 && Date.now() < deadline) await sleep(500);
    // What the periodic pass does in production: webhooks lost since the last pass are repaired.
    const d = await this.sim.deliveries();
    const lost = d.dropped + d.failed - this.lostAtLastPass;
    if (lost > 0 && (await this.tryReconcile(d.dropped + d.failed)))
      this.log(`final: a reconciliation pass for ${lost} webhooks lost since the last one`);
    const outcome = await this.converge('final', Date.now(), { dropped: d.dropped, failed: d.failed });
    this.log(`final: open sets ${outcome}`);
    const truth = await this.sim.openTickets();
    const countsDeadline = Date.now() + 60_000;
    for (;;) {
      const behind = this.planner.users.filter((u) => {
        const v = this.watcher!.value(TOPICS.counts, u.userId) as { openCount?: number } | undefined;
        return (v?.openCount ?? 0) !== (truth[u.requesterEmail.toLowerCase()] ?? []).length;
      }).length;
      if (behind === 0 || Date.now() > countsDeadline) {
        this.log(
          `final: alerting's counts ${behind === 0 ? 'caught up' : `still differ for ${behind} users after 60 s`}`,
        );
        break;
      }
      await sleep(250);
    }
    // Outbox relays publish on a timer: a last moment for alerts behind the counts.
    await sleep(3_000);
  }

  private async audit() {
    const { o } = this;
    const d = await this.sim.deliveries();
    const log = await this.sim.deliveryLog();
    const timeline = await this.sim.timeline();
    const twice = this.planner.users.filter(
      (u) =>
        thresholdCrossings(timeline.openCounts[u.requesterEmail.toLowerCase()] ?? [], THRESHOLD).filter(
          (k) => k === 'exceeded',
        ).length >= 2,
    ).length;
    Object.assign(this.figures, {
      users: o.users,
      usersExceedingTwice: twice,
      kills: this.counters.kills,
      rebalances: this.counters.rebalances,
      brokerKills: this.counters.brokerKills,
      postgresRestarts: this.counters.postgresRestarts,
      reconciliations: this.counters.reconciles,
      deliveries: d.total,
      deliveriesDropped: d.dropped,
      deliveriesFailed: d.failed,
      duplicateCopies: log.filter((x) => x.copy > 1).length,
      unexpectedExits: [...this.services.values()].reduce((n, s) => n + s.unexpectedExits, 0),
      roundMedianS: Number((median(this.roundTimes) / 1000).toFixed(1)),
      roundMaxS: Number((Math.max(0, ...this.roundTimes) / 1000).toFixed(1)),
    });
    this.checks.push({
      name: 'every round converged',
      passed: this.timeouts.length === 0,
      detail: this.timeouts.length
        ? `${this.timeouts.length} rounds timed out (${o.roundTimeoutMs / 1000} s): ${this.timeouts.slice(0, 3).join(' | ')}`
        : `${this.roundTimes.length} rounds, median ${seconds(median(this.roundTimes))}, max ${seconds(Math.max(0, ...this.roundTimes))}`,
    });
    this.checks.push({
      name: 'every fault was injected and recovered from',
      passed: this.faultErrors.length === 0,
      detail: this.faultErrors.length
        ? this.faultErrors.slice(0, 3).join(' | ')
        : `${this.counters.kills} kills, ${this.counters.rebalances} rebalances, ${this.counters.brokerKills} broker kills, ${this.counters.postgresRestarts} Postgres restarts`,
    });
    const lines = await this.runAuditor();
    for (const line of lines) this.log(`  ${line}`);
    for (const line of lines) {
      const m = /^(PASS|FAIL) ([^:]+): (.*)$/.exec(line);
      if (m) this.checks.push({ name: m[2]!, passed: m[1] === 'PASS', detail: m[3]! });
    }
    if (!lines.some((l) => /^\d+ passed, \d+ failed$/.test(l)))
      this.checks.push({ name: 'the auditor ran', passed: false, detail: lines.slice(-5).join(' | ') });
  }

  private runAuditor(): Promise<string[]> {
    const args = [
      join(this.o.repoRoot, 'tools/auditor/main.ts'),
      '--brokers',
      this.kafka.brokers.join(','),
      '--database-url',
      this.postgres.url('ticketflow'),
      '--simulator',
      this.sim.url,
      '--enrichment-schema',
      ENRICHMENT_SCHEMA,
      '--alerting-schema',
      ALERTING_SCHEMA,
      '--threshold',
      String(THRESHOLD),
      '--json',
      join(this.runDir, 'audit.json'),
      '--ticket-events-topic',
      TOPICS.tickets,
      '--user-events-topic',
      TOPICS.users,
      '--open-tickets-topic',
      TOPICS.openSets,
      '--open-count-topic',
      TOPICS.counts,
      '--alerts-topic',
      TOPICS.alerts,
    ];
    return new Promise((resolve) => {
      execFile(
        join(this.o.repoRoot, 'node_modules/.bin/tsx'),
        args,
        { cwd: this.o.repoRoot, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
        (_error, stdout, stderr) => {
          const lines = String(stdout).trim().split('\n').filter(Boolean);
          if (String(stderr).trim())
            lines.push(
              ...String(stderr)
                .trim()
                .split('\n')
                .slice(-5)
                .map((l) => `auditor stderr: ${l}`),
            );
          resolve(lines);
        },
      );
    });
  }

  private result(): SuiteResult {
    this.figures['durationS'] = Math.round((Date.now() - this.started) / 1000);
    const failed = this.checks.filter((c) => !c.passed).length;
    return {
      seed: this.o.seed,
      checks: this.checks,
      passed: this.checks.length - failed,
      failed,
      figures: this.figures,
    };
  }

  async teardown() {
    this.registry.closed = true;
    for (const s of this.services.values()) s.supervised = false;
    await this.watcher?.stop();
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    await Promise.all([...this.services.values()].map((s) => s.stop(5_000).catch(() => undefined)));
    await this.kafka?.stop().catch(() => undefined);
    if (this.postgres?.running) await this.postgres.stop().catch(() => undefined);
    this.registry.killAll();
    if (!this.o.keep) {
      // Logs stay for a look at what happened; the clusters (every topic and schema of the run) go.
      for (const node of this.kafka?.nodes ?? [])
        rmSync(join(node.dir, 'data'), { recursive: true, force: true });
      rmSync(join(this.runDir, 'pg/data'), { recursive: true, force: true });
    }
  }
}
