import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { portOpen, waitFor } from './net';
import { ManagedProcess, type ProcessRegistry } from './processes';

export interface KafkaClusterOptions {
  /** 1 or 3 nodes, each broker and controller. */
  size: number;
  /** Node i listens on basePort + 2i (clients) and basePort + 2i + 1 (controller). */
  basePort: number;
  dir: string;
  repoRoot: string;
  registry: ProcessRegistry;
}

interface KafkaNode {
  id: number;
  port: number;
  controllerPort: number;
  dir: string;
  config: string;
  process: ManagedProcess;
}

/** A KRaft cluster of its own (jars from scripts/kafka.sh jars), whose nodes the suite kills and restarts. */
export class KafkaCluster {
  readonly nodes: KafkaNode[];
  private readonly libs: string;

  constructor(options: KafkaClusterOptions) {
    this.libs = join(options.repoRoot, '.local/kafka/libs');
    this.nodes = Array.from({ length: options.size }, (_, i) => {
      const id = i + 1;
      const dir = join(options.dir, `node-${id}`);
      const config = join(dir, 'server.properties');
      const java = [
        `-Xms128m`,
        `-Xmx${options.size > 1 ? 384 : 512}m`,
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dkafka.logs.dir=${join(dir, 'logs')}`,
        `-Dlog4j2.configurationFile=${join(options.repoRoot, 'tools/kafka/log4j2.properties')}`,
        '-cp',
        `${this.libs}/*`,
      ];
      return {
        id,
        port: options.basePort + 2 * i,
        controllerPort: options.basePort + 2 * i + 1,
        dir,
        config,
        process: new ManagedProcess(
          {
            name: `kafka-${id}`,
            command: 'java',
            args: [...java, 'kafka.Kafka', config],
            cwd: options.repoRoot,
            env: { ...(process.env as Record<string, string>) },
            logFile: join(dir, 'logs/stdout.log'),
          },
          options.registry,
        ),
      };
    });
  }

  get brokers(): string[] {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`);
  }

  get replication(): number {
    return Math.min(3, this.nodes.length);
  }

  /** Writes each node's config and formats its storage with one cluster id (static controller quorum). */
  format() {
    if (!existsSync(this.libs))
      throw new Error('Kafka jars missing: run `bash scripts/kafka.sh jars` (scripts/fault-suite.sh does)');
    const template = readFileSync(join(__dirname, 'kraft.properties.template'), 'utf8');
    const voters = this.nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',');
    const java = (...args: string[]) =>
      execFileSync('java', ['-Xmx256m', '-cp', `${this.libs}/*`, ...args], { encoding: 'utf8' }).trim();
    const clusterId = java('kafka.tools.StorageTool', 'random-uuid');
    for (const node of this.nodes) {
      mkdirSync(join(node.dir, 'logs'), { recursive: true });
      writeFileSync(
        node.config,
        template
          .replaceAll('@NODE_ID@', String(node.id))
          .replaceAll('@VOTERS@', voters)
          .replaceAll('@PORT@', String(node.port))
          .replaceAll('@CONTROLLER_PORT@', String(node.controllerPort))
          .replaceAll('@DATA_DIR@', join(node.dir, 'data'))
          .replaceAll('@REPLICATION@', String(this.replication))
          .replaceAll('@MIN_ISR@', String(this.replication >= 3 ? 2 : 1)),
      );
      java('kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', node.config);
    }
  }

  async start(): Promise<void> {
    for (const node of this.nodes) {
      if (await portOpen(node.port)) throw new Error(`port ${node.port} is taken by another process`);
      this.launch(node);
    }
    await Promise.all(this.nodes.map((n) => this.waitReady(n)));
  }

  private launch(node: KafkaNode) {
    writeFileSync(join(node.dir, 'logs/server.log'), '');
    node.process.start();
  }

  private async waitReady(node: KafkaNode, timeoutMs = 120_000) {
    await waitFor(
      `kafka node ${node.id} on ${node.port}`,
      async () => {
        if (!node.process.running) throw new Error(`kafka node ${node.id} exited during start`);
        return (
          (await portOpen(node.port)) &&
          readFileSync(join(node.dir, 'logs/server.log'), 'utf8').includes('Kafka Server started')
        );
      },
      timeoutMs,
    );
  }

  node(id: number): KafkaNode {
    return this.nodes.find((n) => n.id === id)!;
  }

  async kill9(id: number) {
    await this.node(id).process.kill9();
  }

  async restart(id: number) {
    const node = this.node(id);
    this.launch(node);
    await this.waitReady(node);
  }

  /** The node leading partition 0 of a topic (the one to kill "mid-stream"). */
  async leaderOf(admin: Admin, topic: string): Promise<number> {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const leader = topics[0]?.partitions.find((p) => p.partitionId === 0)?.leader;
    return leader !== undefined && leader >= 0 ? leader : this.nodes[0]!.id;
  }

  async stop() {
    await Promise.all(this.nodes.map((n) => n.process.stop('SIGTERM', 20_000)));
  }
}
