// Creates every topic of the contracts (and its dead-letter topic) with explicit partitions and configs.
import { Topics } from '@ticketflow/contracts';
import { brokersFromEnv, createKafka, ensureTopics, withDeadLetter } from '../src';

async function main() {
  const admin = createKafka({ brokers: brokersFromEnv(), clientId: 'create-topics' }).admin();
  await admin.connect();
  try {
    const specs = Object.values(Topics).flatMap(withDeadLetter);
    await ensureTopics(admin, specs, Number(process.env['KAFKA_REPLICATION_FACTOR'] ?? 1));
    console.log(`topics ready: ${specs.map((t) => t.name).join(', ')}`);
  } finally {
    await admin.disconnect();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
