import { z } from 'zod';
import { ConfigError, EnvFields, loadConfig } from './env';

const Schema = z.object({
  KAFKA_BROKERS: EnvFields.kafkaBrokers,
  DATABASE_URL: EnvFields.databaseUrl,
  PORT: EnvFields.port(3000),
  WEBHOOK_SECRETS: EnvFields.secretList,
});

describe('loadConfig', () => {
  it('parses and normalises valid env', () => {
    const config = loadConfig(Schema, {
      KAFKA_BROKERS: 'a:9092, b:9092',
      DATABASE_URL: 'postgres://u@h:5432/db',
      WEBHOOK_SECRETS: 'first-secret-1,second-secret-2',
    });
    expect(config).toEqual({
      KAFKA_BROKERS: ['a:9092', 'b:9092'],
      DATABASE_URL: 'postgres://u@h:5432/db',
      PORT: 3000,
      WEBHOOK_SECRETS: ['first-secret-1', 'second-secret-2'],
    });
  });

  it('reports every problem at once and never echoes a value', () => {
    const secret = 'short';
    let error: unknown;
    try {
      loadConfig(Schema, { DATABASE_URL: 'mysql://x', PORT: '70000', WEBHOOK_SECRETS: secret });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/KAFKA_BROKERS/);
    expect(message).toMatch(/DATABASE_URL/);
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/WEBHOOK_SECRETS/);
    expect(message).not.toContain(secret);
    expect(message).not.toContain('mysql://x');
  });
});
