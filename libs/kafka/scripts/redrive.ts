// Moves dead letters back to their topic once the cause is fixed, with progress.
//   npx tsx libs/kafka/scripts/redrive.ts ticket.events.v1 [--reason processing-failed]
// Env: KAFKA_BROKERS (required).
import { EventProducer, brokersFromEnv, createKafka, redriveDeadLetters } from '../src';

async function main() {
  const [topic, ...rest] = process.argv.slice(2);
  if (!topic || topic.startsWith('--'))
    throw new Error('usage: redrive.ts <topic> [--reason invalid-json|schema-violation|processing-failed]');
  const reasonAt = rest.indexOf('--reason');
  const reason = reasonAt === -1 ? undefined : rest[reasonAt + 1];
  const kafka = createKafka({ brokers: brokersFromEnv(), clientId: 'redrive' });
  const producer = new EventProducer(kafka);
  await producer.connect();
  try {
    const result = await redriveDeadLetters(kafka, producer, {
      topic,
      reason,
      onProgress: ({ read, moved, total }) =>
        process.stderr.write(`\rread ${read} / ${total} dead letters, moved ${moved} back to ${topic}`),
    });
    process.stderr.write(`\ndone: read ${result.read}, moved ${result.moved}\n`);
  } finally {
    await producer.disconnect();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
