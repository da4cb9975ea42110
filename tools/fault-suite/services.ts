import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceArgs } from '@ticketflow/testing';
import { answers, waitFor } from './net';
import { ManagedProcess, type ProcessRegistry } from './processes';

export type AppName = 'zendesk-simulator' | 'webhook-gateway' | 'enrichment' | 'alerting';

export interface ServiceDefinition {
  /** Instance name, e.g. enrichment-2. */
  name: string;
  app: AppName;
  port: number;
  env: Record<string, string>;
}

/** The KEY=VALUE settings scripts/services.txt gives each app (one source for the local wiring). */
export function servicesTxtEnv(repoRoot: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const line of readFileSync(join(repoRoot, 'scripts/services.txt'), 'utf8').split('\n')) {
    const [name, , ...pairs] = line.trim().split(/\s+/);
    if (!name || name.startsWith('#')) continue;
    out.set(
      name,
      Object.fromEntries(
        pairs.map((p) => {
          const i = p.indexOf('=');
          return [p.slice(0, i), p.slice(i + 1)];
        }),
      ),
    );
  }
  return out;
}

const readinessPath = (app: AppName) =>
  app === 'zendesk-simulator' ? '/_simulator/health' : '/health/ready';

/**
 * One service instance as its own OS process: `node -r ./tools/register-paths.js dist/apps/<app>/src/main.js`
 * in the services' root. An exit the suite did not cause is reported, and the instance restarted (as a container
 * orchestrator would) unless the suite is shutting down.
 */
export class Service {
  readonly process: ManagedProcess;
  unexpectedExits = 0;
  /** While false, an unexpected exit is not followed by a restart (stopping, or down on purpose). */
  supervised = true;
  private restarting: Promise<void> | null = null;

  constructor(
    readonly definition: ServiceDefinition,
    servicesRoot: string,
    logDir: string,
    private readonly registry: ProcessRegistry,
    private readonly log: (line: string) => void,
  ) {
    this.process = new ManagedProcess(
      {
        name: definition.name,
        command: process.execPath,
        args: serviceArgs(definition.app),
        cwd: servicesRoot,
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          ...definition.env,
          PORT: String(definition.port),
        },
        logFile: join(logDir, `${definition.name}.log`),
      },
      registry,
    );
    this.process.onUnexpectedExit = (code, signal) => {
      this.unexpectedExits++;
      if (!this.supervised) return;
      this.log(`  ! ${definition.name} exited by itself (${code ?? signal}); restarting it`);
      this.restarting = new Promise<void>((resolve) => setTimeout(resolve, 1_000))
        .then(() => (this.supervised && !this.process.running ? this.start() : undefined))
        .catch((error: Error) => this.log(`  ! ${definition.name} restart failed: ${error.message}`))
        .finally(() => (this.restarting = null));
    };
  }

  get name() {
    return this.definition.name;
  }

  get url() {
    return `http://127.0.0.1:${this.definition.port}`;
  }

  get running() {
    return this.process.running;
  }

  start() {
    this.supervised = true;
    this.process.start();
  }

  async waitReady(timeoutMs = 120_000) {
    await waitFor(
      `${this.name} ready`,
      async () => {
        if (this.restarting) await this.restarting;
        if (this.registry.closed) throw new Error(`${this.name}: the run is over`);
        return this.process.running && (await answers(`${this.url}${readinessPath(this.definition.app)}`));
      },
      timeoutMs,
      200,
    );
  }

  async kill9() {
    this.supervised = false;
    await this.process.kill9();
  }

  /** SIGTERM: the instance should leave its consumer groups and exit; SIGKILL after the grace period. */
  async stop(graceMs = 10_000) {
    this.supervised = false;
    return this.process.stop('SIGTERM', graceMs);
  }
}
