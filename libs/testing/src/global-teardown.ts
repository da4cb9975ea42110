import type { StartedService } from './infrastructure';

export default async function globalTeardown(): Promise<void> {
  if (process.env['TICKETFLOW_KEEP_SERVICES'] === '1') return;
  const started = (globalThis as { __ticketflowServices?: StartedService[] }).__ticketflowServices ?? [];
  for (const service of started.reverse()) await service.stop();
}
