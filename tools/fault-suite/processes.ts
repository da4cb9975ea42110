import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';

/** Every process the suite starts carries this variable: orphans of a crashed run are recognised by it. */
export const RUN_MARKER = 'TICKETFLOW_FAULT_SUITE_RUN';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  logFile: string;
  /** Run as this user (Postgres refuses to run as root). */
  uid?: number;
  gid?: number;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * The process groups of one suite run, listed in a file so that a later run (or the jest teardown) can end
 * whatever a crashed run left behind: each process leads its own group, so a group kill ends its children too.
 */
export class ProcessRegistry {
  private readonly live = new Map<number, string>();
  /** Once closed, nothing starts any more (a fault still in flight must not outlive the run). */
  closed = false;

  constructor(
    private readonly pidsFile: string,
    readonly marker: string,
  ) {}

  add(pid: number, name: string) {
    this.live.set(pid, name);
    this.save();
  }

  remove(pid: number) {
    this.live.delete(pid);
    this.save();
  }

  private save() {
    mkdirSync(dirname(this.pidsFile), { recursive: true });
    writeFileSync(this.pidsFile, [...this.live].map(([pid, name]) => `${pid} ${name}\n`).join(''));
  }

  /** SIGKILL to every group still registered. */
  killAll() {
    for (const pid of this.live.keys()) killGroup(pid, 'SIGKILL');
    this.live.clear();
    this.save();
  }

  /** Ends the groups a previous run listed, if they still carry its marker. */
  static killOrphans(pidsFile: string, marker: string): number {
    if (!existsSync(pidsFile)) return 0;
    let killed = 0;
    for (const line of readFileSync(pidsFile, 'utf8').split('\n')) {
      const pid = Number(line.split(' ')[0]);
      if (!Number.isInteger(pid) || pid <= 1 || !alive(pid)) continue;
      let environ: string;
      try {
        environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      } catch {
        continue;
      }
      if (!environ.split('\0').includes(`${RUN_MARKER}=${marker}`)) continue;
      killGroup(pid, 'SIGKILL');
      killed++;
    }
    writeFileSync(pidsFile, '');
    return killed;
  }
}

export function killGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** One OS process (leading its own process group) with its output appended to a log file. */
export class ManagedProcess {
  private child: ChildProcess | null = null;
  private exit: Promise<void> = Promise.resolve();
  /** Set before the suite itself stops or kills it, so the exit is not reported as unexpected. */
  private expectExit = false;
  onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | null = null;

  constructor(
    readonly spec: ProcessSpec,
    private readonly registry: ProcessRegistry,
  ) {}

  get running(): boolean {
    return this.child !== null;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start() {
    if (this.registry.closed) throw new Error(`not starting ${this.spec.name}: the run is over`);
    if (this.child) throw new Error(`${this.spec.name} is already running`);
    mkdirSync(dirname(this.spec.logFile), { recursive: true });
    appendFileSync(this.spec.logFile, `\n===== ${new Date().toISOString()} start ${this.spec.name}\n`);
    const log = openSync(this.spec.logFile, 'a');
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: { ...this.spec.env, [RUN_MARKER]: this.registry.marker },
      stdio: ['ignore', log, log],
      detached: true,
      uid: this.spec.uid,
      gid: this.spec.gid,
    });
    closeSync(log);
    if (child.pid === undefined) throw new Error(`${this.spec.name} did not start`);
    const pid = child.pid;
    this.child = child;
    this.expectExit = false;
    this.registry.add(pid, this.spec.name);
    this.exit = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.registry.remove(pid);
        // Children of the group (Postgres backends) may outlive the leader for a moment.
        killGroup(pid, 'SIGKILL');
        this.child = null;
        appendFileSync(this.spec.logFile, `===== ${new Date().toISOString()} exit ${code ?? signal}\n`);
        if (!this.expectExit) this.onUnexpectedExit?.(code, signal);
        resolve();
      });
    });
  }

  /** kill -9 of the whole group, waiting for the exit. */
  async kill9(): Promise<void> {
    if (!this.child) return;
    this.expectExit = true;
    killGroup(this.child.pid!, 'SIGKILL');
    await this.exit;
  }

  /** A signal to the leader only (e.g. SIGTERM), then SIGKILL to the group after the grace period. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<'exited' | 'killed'> {
    const child = this.child;
    if (!child) return 'exited';
    this.expectExit = true;
    try {
      process.kill(child.pid!, signal);
    } catch {
      // already gone
    }
    const exited = await Promise.race([this.exit.then(() => true), sleep(graceMs).then(() => false)]);
    if (exited) return 'exited';
    killGroup(child.pid!, 'SIGKILL');
    await this.exit;
    return 'killed';
  }
}
