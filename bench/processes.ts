// Services under benchmark run as deployed: each built app (dist/apps/<app>/src/main.js) in its own process, so
// their latency, throughput and memory are their own and not the load generator's.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, startServiceProcess } from '@ticketflow/testing';

/**
 * Compiles every app and library once (tsc -p tsconfig.build.json), as scripts/start.sh does; skipped when
 * BENCH_BUILT=1 (scripts/bench.sh builds once for all benchmarks).
 */
export function buildServices(): void {
  if (process.env['BENCH_BUILT'] === '1') return;
  console.log('building services (tsc -p tsconfig.build.json)');
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    },
  );
}

export interface BenchService {
  name: string;
  url: string;
  child: ChildProcess;
  /** Resident memory now and its peak since start (VmRSS, VmHWM of /proc/<pid>/status), in MB. */
  memory(): { rssMb: number; peakRssMb: number };
  /** CPU time used since start, user + system (/proc/<pid>/stat), in seconds. */
  cpuSeconds(): number;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/** Starts a built service on `port` and waits for /health/ready. */
export async function startBenchService(
  app: string,
  port: number,
  env: Record<string, string>,
): Promise<BenchService> {
  const child = await startServiceProcess(app, port, env);
  // However the benchmark ends, its services end with it (they would hold the ports of the next run).
  process.once('exit', () => child.kill('SIGKILL'));
  const kb = (field: string) => {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  };
  let last = { rssMb: NaN, peakRssMb: NaN };
  let lastCpu = NaN;
  return {
    name: app,
    url: `http://127.0.0.1:${port}`,
    child,
    memory() {
      try {
        if (child.exitCode === null && child.signalCode === null)
          last = { rssMb: Math.round(kb('VmRSS') / 1024), peakRssMb: Math.round(kb('VmHWM') / 1024) };
      } catch {
        // a sample missed (e.g. the load generator holding every file descriptor): the peak is read again later
      }
      return last;
    },
    cpuSeconds() {
      if (child.exitCode === null && child.signalCode === null) lastCpu = processCpuSeconds(child.pid!);
      return lastCpu;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** utime + stime of a process (fields 14 and 15 of /proc/<pid>/stat, after the command's parentheses). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

/** The whole machine's CPU time so far (/proc/stat), busy and total, in seconds over all cores. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  // idle and iowait are the 4th and 5th counters.
  return {
    busy: (total - ticks[3]! - ticks[4]!) / CLOCK_TICKS_PER_SECOND,
    total: total / CLOCK_TICKS_PER_SECOND,
  };
}

/** CPU time so far of every live process whose command name is `comm` (java for Kafka, postgres), in seconds. */
export function commandCpuSeconds(comm: string): number {
  let sum = 0;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === comm)
        sum += processCpuSeconds(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}
