import { execFile, execFileSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO_ROOT = join(__dirname, '../../..');

/** Port of the broker the tests start themselves; apart from the one `scripts/start.sh` runs (9092). */
export const TEST_KAFKA_PORT = 19092;

export function hasDockerEngine(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface StartedService {
  url: string;
  stop(): Promise<void>;
}

/** A broker for tests: testcontainers where a Docker engine runs, else the repo's KRaft scripts. */
export async function startKafka(): Promise<StartedService> {
  if (hasDockerEngine()) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const container = await new KafkaContainer('apache/kafka:4.1.0').withKraft().start();
    return {
      url: `${container.getHost()}:${container.getMappedPort(9093)}`,
      stop: async () => void (await container.stop()),
    };
  }
  const env = {
    ...process.env,
    KAFKA_PORT: String(TEST_KAFKA_PORT),
    KAFKA_CONTROLLER_PORT: String(TEST_KAFKA_PORT + 1),
  };
  await run('bash', [join(REPO_ROOT, 'scripts/kafka.sh'), 'start'], { env });
  return {
    url: `127.0.0.1:${TEST_KAFKA_PORT}`,
    stop: async () => void (await run('bash', [join(REPO_ROOT, 'scripts/kafka.sh'), 'stop'], { env })),
  };
}

/** Postgres for tests: the machine's server at 127.0.0.1:5432 when it answers, else a container, else Debian's. */
export async function startPostgres(): Promise<StartedService> {
  if (await portOpen(5432)) {
    return { url: 'postgres://postgres@127.0.0.1:5432/test', stop: async () => undefined };
  }
  if (hasDockerEngine()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:17-alpine').start();
    return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
  }
  const { stdout } = await run('bash', [join(REPO_ROOT, 'scripts/postgres.sh'), 'start']);
  return { url: stdout.trim().split('\n').pop() ?? '', stop: async () => undefined };
}

/**
 * A broker of the test's own on `port`, which it may stop and start again (outage tests). Always the local
 * KRaft scripts: data survives a stop, as it would on a real broker restart.
 */
export function ownKafka(port: number) {
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1) };
  const script = (command: string) =>
    run('bash', [join(REPO_ROOT, 'scripts/kafka.sh'), command], { env }).then(() => undefined);
  return {
    brokers: `127.0.0.1:${port}`,
    start: () => script('start'),
    stop: () => script('stop'),
    /** Stop and delete its data. */
    destroy: () => script('reset'),
  };
}
