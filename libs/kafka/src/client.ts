import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { parseCommaList } from '@ticketflow/config';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  /** kafkajs log level; WARN keeps normal operation quiet. */
  logLevel?: logLevel;
}

const levelName: Record<number, string> = { 1: 'error', 2: 'warn', 4: 'info', 5: 'debug' };

export function createKafka(options: KafkaClientOptions, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: options.logLevel ?? logLevel.WARN,
    // Structured, single-line logs on stderr instead of kafkajs' default multi-line output.
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...rest } = log;
        process.stderr.write(
          JSON.stringify({
            level: levelName[level] ?? level,
            component: `kafkajs:${namespace}`,
            msg: message,
            ...rest,
          }) + '\n',
        );
      },
    retry: { initialRetryTime: 200, retries: 8 },
    ...extra,
  });
}

export function brokersFromEnv(value = process.env['KAFKA_BROKERS']): string[] {
  if (!value) throw new Error('KAFKA_BROKERS is not set (comma-separated host:port list)');
  return parseCommaList(value);
}
