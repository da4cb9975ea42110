import type { ApiFaults, RequestLog } from './api-faults';
import type { ScenarioOptions, ScenarioRunner } from './scenario';
import type { WebhookSender } from './webhook-sender';

// The Nest DI tokens of the simulator's module, apart from the classes they bind (no back-imports).

/** The simulated account (`World`), for the API and control controllers. */
export const WORLD = Symbol('World');

/** The running simulator, as the control API sees it (`SimulatorControls`). */
export const SIMULATOR = Symbol('Simulator');

/** What the control API needs of the running simulator; `Simulator` implements it (no import of simulator.ts). */
export interface SimulatorControls {
  readonly apiFaults: ApiFaults;
  readonly requests: RequestLog;
  readonly webhooks: WebhookSender | null;
  readonly scenario: ScenarioRunner | null;
  runScenario(options: ScenarioOptions): ScenarioRunner;
}
