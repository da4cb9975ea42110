import type { NextFunction, Request, Response } from 'express';
import { zendeskError } from './api-guards';
import { mulberry32 } from './random';

/** What an injected fault answers: an error status, a socket closed unanswered, or a 200 whose JSON is cut. */
export type FaultKind = '500' | '503' | '504' | '429' | 'timeout' | 'truncate';

export interface FaultRates {
  /** Share answered 500 or 503 (half each). Zendesk: 1-3 % observed. */
  errorRate: number;
  /** Share never answered (the socket is closed after hangMs). */
  timeoutRate: number;
  /** Share answered 200 with the body cut in half (invalid JSON). */
  truncateRate: number;
  /** Share answered 429 with Retry-After, apart from the real rate limits. */
  rateLimitRate: number;
}

export interface ApiFaults extends FaultRates {
  /** Added to every API response. */
  latencyMs: number;
  latencyJitterMs: number;
  hangMs: number;
  /** Rates for paths starting with the key (e.g. `/api/v2/incremental/ticket_events`); the longest key wins. */
  paths: Record<string, Partial<FaultRates>>;
  /** The n-th request (from 1, counted per path since the simulator started) answered with this fault. */
  script: { path: string; nth: number; fault: FaultKind }[];
  /** A change becomes exportable this long after it happened (Zendesk shows some records late). */
  visibilityLagMs: number;
}

export const DEFAULT_API_FAULTS: ApiFaults = {
  errorRate: 0.02,
  timeoutRate: 0,
  truncateRate: 0,
  rateLimitRate: 0,
  latencyMs: 0,
  latencyJitterMs: 0,
  hangMs: 30_000,
  paths: {},
  script: [],
  visibilityLagMs: 0,
};

/**
 * Request counts per path (ids as `:id`) and outcome (status code, `cut-200` for a body cut on purpose, or
 * `timeout`): what a client really cost.
 */
export class RequestLog {
  private readonly counts = new Map<string, Map<string, number>>();
  /** Requests seen per exact path, for scripted faults. */
  private readonly seen = new Map<string, number>();

  /** Counts a request on arrival; returns its number on its path (1 for the first). */
  arrived(path: string): number {
    const n = (this.seen.get(path) ?? 0) + 1;
    this.seen.set(path, n);
    return n;
  }

  record(path: string, outcome: string) {
    const key = path.replace(/\/\d+(?=\/|$)/g, '/:id');
    const byOutcome = this.counts.get(key) ?? new Map<string, number>();
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    this.counts.set(key, byOutcome);
  }

  summary(): Record<string, Record<string, number>> {
    return Object.fromEntries(
      [...this.counts].map(([path, outcomes]) => [path, Object.fromEntries(outcomes)]),
    );
  }

  /** Counts every answer, and every request closed unanswered as `timeout`; numbers requests for scripts. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const path = req.baseUrl + req.path;
      res.locals['requestNumber'] = this.arrived(path);
      let counted = false;
      res.on('finish', () => {
        counted = true;
        this.record(path, res.locals['truncated'] ? 'cut-200' : String(res.statusCode));
      });
      res.on('close', () => {
        if (!counted) this.record(path, 'timeout');
      });
      next();
    };
  }
}

/**
 * Injected failures, from a seeded generator so a run can be repeated; scripted ones first. Also tells the
 * export routes until when changes are visible (`res.locals.visibleUntil`).
 */
export function injectFaults(getFaults: () => ApiFaults, seed: number, onFault?: (kind: FaultKind) => void) {
  const rng = mulberry32(seed);
  return async (req: Request, res: Response, next: NextFunction) => {
    const faults = getFaults();
    const path = req.baseUrl + req.path;
    const delay = faults.latencyMs + Math.round(rng() * faults.latencyJitterMs);
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    res.locals['visibilityLagMs'] = faults.visibilityLagMs;
    const scripted = faults.script.find((s) => s.path === path && s.nth === res.locals['requestNumber']);
    const fault = scripted?.fault ?? drawFault(ratesFor(faults, path), rng());
    if (!fault) return next();
    onFault?.(fault);
    switch (fault) {
      case 'timeout':
        setTimeout(() => res.socket?.destroy(), faults.hangMs).unref();
        return;
      case 'truncate': {
        res.locals['truncated'] = true;
        const send = res.send.bind(res);
        res.send = (body?: unknown) =>
          send(typeof body === 'string' ? body.slice(0, Math.floor(body.length / 2)) : body);
        return next();
      }
      case '429':
        res.setHeader('Retry-After', '1');
        return zendeskError(
          res,
          429,
          'APIRateLimitExceeded',
          'Number of allowed API requests per minute exceeded',
        );
      case '503':
        res.setHeader('Retry-After', '1');
        return zendeskError(res, 503, 'ServiceUnavailable', 'The service is temporarily unavailable.');
      case '504':
        return res.status(504).type('text/plain').send('upstream request timeout');
      case '500':
        return zendeskError(res, 500, 'InternalServerError', 'Something went wrong. Please try again.');
    }
  };
}

function ratesFor(faults: ApiFaults, path: string): FaultRates {
  const key = Object.keys(faults.paths)
    .filter((prefix) => path.startsWith(prefix))
    .sort((a, b) => b.length - a.length)[0];
  return { ...faults, ...(key ? faults.paths[key] : {}) };
}

/** One draw decides the fault, so adding a kind of fault never shifts which requests the others hit. */
function drawFault(rates: FaultRates, r: number): FaultKind | null {
  const edges: [number, FaultKind][] = [
    [rates.timeoutRate, 'timeout'],
    [rates.errorRate / 2, '500'],
    [rates.errorRate / 2, '503'],
    [rates.rateLimitRate, '429'],
    [rates.truncateRate, 'truncate'],
  ];
  let edge = 0;
  for (const [share, kind] of edges) if (r < (edge += share)) return kind;
  return null;
}

/** The moment up to which changes can be exported, for a request the fault layer saw. */
export function visibleUntil(res: Response, now: number): number {
  return now - Number(res.locals['visibilityLagMs'] ?? 0);
}
