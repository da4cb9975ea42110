import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './infrastructure';
import { eventually } from './kafka';

/**
 * A built service (`dist/apps/<app>/src/main.js`, as deployed) as its own process, resolved once /health/ready
 * answers 200 on `port`. Its stderr goes to the test's.
 */
export async function startServiceProcess(
  app: string,
  port: number,
  env: Record<string, string>,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', './tools/register-paths.js', `dist/apps/${app}/src/main.js`], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await eventually(
      () =>
        fetch(`http://127.0.0.1:${port}/health/ready`).then(
          (r) => (r.ok ? true : undefined),
          () => undefined,
        ),
      60_000,
    );
  } catch (error) {
    child.kill('SIGKILL'); // never ready: no process is left behind
    throw error;
  }
  return child;
}
