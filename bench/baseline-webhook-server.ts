// Baseline for bench/webhook-gateway.bench.ts: the least a webhook receiver can do — node:http, signature check
// over the raw body, JSON.parse, one kafkajs produce with acks=all (idempotent), 200. No framework, no validation.
import { createServer } from 'node:http';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { SIGNATURE_HEADER, SIGNATURE_TIMESTAMP_HEADER, verifyWebhookSignature } from '@ticketflow/zendesk';

async function main() {
  const kafka = new Kafka({
    clientId: 'baseline',
    brokers: process.env['KAFKA_BROKERS']!.split(','),
    logLevel: logLevel.ERROR,
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const topic = process.env['TOPIC']!;
  const secrets = process.env['ZENDESK_WEBHOOK_SECRETS']!.split(',');
  const server = createServer((req, res) => {
    if (req.method === 'GET') return void res.writeHead(200).end('ok');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const check = verifyWebhookSignature(
        raw,
        req.headers[SIGNATURE_HEADER] as string,
        req.headers[SIGNATURE_TIMESTAMP_HEADER] as string,
        {
          secrets,
          toleranceMs: 300_000,
        },
      );
      if (!check.ok) return void res.writeHead(401).end();
      try {
        const body = JSON.parse(raw.toString()) as { subject: string };
        await producer.send({
          topic,
          acks: -1,
          messages: [{ key: body.subject.split(':')[2] ?? null, value: raw }],
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"accepted"}');
      } catch {
        res.writeHead(503).end();
      }
    });
  });
  server.listen(Number(process.env['PORT']), '127.0.0.1', () => process.stdout.write('ready\n'));
}

void main();
