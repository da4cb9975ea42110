// Publishes the company's users to user.events.v1 (user.upserted), keyed by user id, with progress.
//   npx tsx libs/enrichment/scripts/publish-users.ts users.csv            # lines: user_id,email (header optional)
//   npx tsx libs/enrichment/scripts/publish-users.ts --from-simulator http://127.0.0.1:4010
// Env: KAFKA_BROKERS (required), USER_EVENTS_TOPIC (default user.events.v1).
import { readFileSync } from 'node:fs';
import { Topics, userUpserted } from '@ticketflow/contracts';
import { EventProducer, brokersFromEnv, createKafka } from '@ticketflow/kafka';

async function loadUsers(args: string[]): Promise<{ userId: string; email: string }[]> {
  const simulator = args.indexOf('--from-simulator');
  if (simulator !== -1) {
    const url = args[simulator + 1] ?? 'http://127.0.0.1:4010';
    const requesters = (await (await fetch(`${url}/_simulator/requesters`)).json()) as {
      id: number;
      email: string;
    }[];
    return requesters.map((r) => ({ userId: `sim-${r.id}`, email: r.email }));
  }
  const file = args[0];
  if (!file) throw new Error('usage: publish-users.ts <users.csv> | --from-simulator <url>');
  return readFileSync(file === '-' ? 0 : file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^user_?id\s*,/i.test(line))
    .map((line, n) => {
      const [userId, email] = line.split(',').map((field) => field.trim());
      if (!userId || !email?.includes('@')) throw new Error(`line ${n + 1}: expected user_id,email`);
      return { userId, email };
    });
}

async function main() {
  const users = await loadUsers(process.argv.slice(2));
  const topic = { ...Topics.userEvents, name: process.env['USER_EVENTS_TOPIC'] ?? Topics.userEvents.name };
  const producer = new EventProducer(createKafka({ brokers: brokersFromEnv(), clientId: 'publish-users' }));
  await producer.connect();
  const started = Date.now();
  for (let i = 0; i < users.length; i += 1_000) {
    const batch = users.slice(i, i + 1_000).map((u) => userUpserted(u.userId, u.email));
    await producer.publish(
      topic,
      batch.map((value) => ({ key: value.userId, value })),
    );
    const done = Math.min(users.length, i + 1_000);
    process.stderr.write(
      `\rpublished ${done.toLocaleString('en')} / ${users.length.toLocaleString('en')} users (${Math.round((done / users.length) * 100)} %)`,
    );
  }
  process.stderr.write(
    `\npublished ${users.length} users to ${topic.name} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  await producer.disconnect();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
