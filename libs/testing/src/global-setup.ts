import { startKafka, startPostgres, type StartedService } from './infrastructure';

/** Starts what the tests need, unless KAFKA_BROKERS / DATABASE_URL already point at running services. */
export default async function globalSetup(): Promise<void> {
  const started: StartedService[] = [];
  if (!process.env['KAFKA_BROKERS']) {
    const kafka = await startKafka();
    process.env['KAFKA_BROKERS'] = kafka.url;
    started.push(kafka);
  }
  if (!process.env['DATABASE_URL']) {
    const postgres = await startPostgres();
    process.env['DATABASE_URL'] = postgres.url;
    started.push(postgres);
  }
  (globalThis as { __ticketflowServices?: StartedService[] }).__ticketflowServices = started;
}
