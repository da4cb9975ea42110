import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { waitFor } from './net';
import { ManagedProcess, type ProcessRegistry } from './processes';

/** Debian's server binaries, newest version first. */
function serverBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(join(base, v, 'bin/postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length)
    throw new Error('no Postgres server binaries in /usr/lib/postgresql (apt-get install postgresql)');
  return join(base, versions[0]!, 'bin');
}

/** Postgres refuses to run as root: as root, the cluster belongs to the postgres user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A Postgres cluster of the suite's own (fresh per run, on its own port), which it may crash and restart. */
export class OwnPostgres {
  private readonly bin = serverBin();
  private readonly user = runAs();
  private readonly process: ManagedProcess;
  private readonly data: string;

  constructor(
    private readonly dir: string,
    readonly port: number,
    registry: ProcessRegistry,
  ) {
    this.data = join(dir, 'data');
    this.process = new ManagedProcess(
      {
        name: 'postgres',
        command: join(this.bin, 'postgres'),
        args: [
          '-D',
          this.data,
          '-p',
          String(port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'unix_socket_directories=',
          '-c',
          'max_connections=200',
          // Durable as in production: a crash-restart must not lose what was committed synchronously.
          '-c',
          'fsync=on',
        ],
        cwd: dir,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8' },
        logFile: join(dir, 'postgres.log'),
        ...this.user,
      },
      registry,
    );
  }

  url(database: string) {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  init() {
    mkdirSync(this.dir, { recursive: true });
    if (this.user) chownSync(this.dir, this.user.uid, this.user.gid);
    execFileSync(
      join(this.bin, 'initdb'),
      ['-D', this.data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync'],
      { stdio: 'ignore', uid: this.user?.uid, gid: this.user?.gid, cwd: this.dir },
    );
  }

  async start(timeoutMs = 60_000) {
    this.process.start();
    await waitFor(
      `postgres on ${this.port}`,
      async () => {
        if (!this.process.running) throw new Error('postgres exited during start (see postgres.log)');
        const client = new Client({ connectionString: this.url('postgres'), connectionTimeoutMillis: 1_000 });
        try {
          await client.connect();
          await client.query('SELECT 1');
          return true;
        } catch {
          return false;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      timeoutMs,
    );
  }

  async createDatabase(name: string) {
    const client = new Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
  }

  /** kill -9 of the postmaster and every backend at once: a crash; the next start runs crash recovery. */
  async crash() {
    await this.process.kill9();
  }

  /** Fast shutdown: clients disconnected, a checkpoint, then exit. */
  async stop() {
    await this.process.stop('SIGINT', 30_000);
  }

  get running() {
    return this.process.running;
  }
}
