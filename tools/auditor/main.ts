// The independent auditor: reads what Ticketflow published (Kafka), stored (Postgres) and what Zendesk's truth is
// (the simulator), compares, prints one line per check and `N passed, N failed`; exits 1 on any failure.
//   tsx tools/auditor/main.ts --brokers 127.0.0.1:27092 --database-url postgres://… --simulator http://…
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { audit, report } from './checks';
import type { AuditInput, Delivery, TruthTicket, TruthTimeline } from './model';
import { auditorKafka, deadLetters, readTopics, usersOf } from './read-kafka';
import { readModels } from './read-postgres';

const USAGE = `usage: auditor --brokers HOST:PORT[,…] --database-url URL --simulator URL
  [--enrichment-schema enrichment] [--alerting-schema alerting] [--threshold 3] [--json FILE]
  [--ticket-events-topic ticket.events.v1] [--user-events-topic user.events.v1]
  [--open-tickets-topic user.open-tickets.v1] [--open-count-topic user.open-ticket-count.v1]
  [--alerts-topic user.alerts.v1]`;

const { values: args } = parseArgs({
  options: {
    brokers: { type: 'string' },
    'database-url': { type: 'string' },
    simulator: { type: 'string' },
    'enrichment-schema': { type: 'string', default: 'enrichment' },
    'alerting-schema': { type: 'string', default: 'alerting' },
    threshold: { type: 'string', default: '3' },
    json: { type: 'string' },
    'ticket-events-topic': { type: 'string', default: 'ticket.events.v1' },
    'user-events-topic': { type: 'string', default: 'user.events.v1' },
    'open-tickets-topic': { type: 'string', default: 'user.open-tickets.v1' },
    'open-count-topic': { type: 'string', default: 'user.open-ticket-count.v1' },
    'alerts-topic': { type: 'string', default: 'user.alerts.v1' },
  },
});

async function getJson<T>(base: string, path: string): Promise<T> {
  const response = await fetch(`${base}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return (await response.json()) as T;
}

async function main(): Promise<number> {
  if (!args.brokers || !args['database-url'] || !args.simulator) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const topics = {
    tickets: args['ticket-events-topic']!,
    users: args['user-events-topic']!,
    openSets: args['open-tickets-topic']!,
    counts: args['open-count-topic']!,
    alerts: args['alerts-topic']!,
  };
  const kafka = auditorKafka(args.brokers.split(','));
  const simulator = args.simulator.replace(/\/$/, '');
  // The simulator first: everything read after it was caused by what it knows (the workload has stopped).
  const [truthTickets, timeline, deliveries] = await Promise.all([
    getJson<TruthTicket[]>(simulator, '/_simulator/truth/tickets'),
    getJson<TruthTimeline>(simulator, '/_simulator/truth/timeline'),
    getJson<Delivery[]>(simulator, '/_simulator/deliveries/log'),
  ]);
  const records = await readTopics(kafka, Object.values(topics));
  const dlq = await deadLetters(
    kafka,
    [topics.tickets, topics.users, topics.openSets].map((t) => `${t}.dlq`),
  );
  const models = await readModels(args['database-url'], {
    enrichment: args['enrichment-schema']!,
    alerting: args['alerting-schema']!,
  });
  const input: AuditInput = {
    threshold: Number(args.threshold),
    users: usersOf(records.get(topics.users)!),
    truthTickets,
    timeline,
    deliveries,
    ticketEvents: records.get(topics.tickets)! as AuditInput['ticketEvents'],
    openSets: records.get(topics.openSets)! as AuditInput['openSets'],
    openCounts: records.get(topics.counts)! as AuditInput['openCounts'],
    alerts: records.get(topics.alerts)! as AuditInput['alerts'],
    deadLetters: dlq,
    readModels: models,
  };
  const results = audit(input);
  process.stdout.write(`${report(results)}\n`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ results }, null, 2));
  return results.every((r) => r.passed) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`auditor: ${error.stack ?? error.message}\n`);
    process.stdout.write('0 passed, 1 failed\n');
    process.exit(1);
  },
);
