import type { NextFunction, Request, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { World } from './world';

export interface ApiLimits {
  /** Account-wide requests per minute (Enterprise: 700). */
  perMinute: number;
  /** Incremental export requests per minute. */
  incrementalPerMinute: number;
  /** List Tickets requests per minute. */
  ticketsIndexPerMinute: number;
  /** Export Search Results requests per minute. */
  searchExportPerMinute: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = {
  perMinute: 700,
  incrementalPerMinute: 10,
  ticketsIndexPerMinute: 100,
  searchExportPerMinute: 100,
};

export interface ApiCredentials {
  /** API token accepted as Basic `email/token:TOKEN` (email of an agent or admin) and as an OAuth Bearer token. */
  apiToken: string;
}

export const zendeskError = (res: Response, status: number, error: string, description?: string) =>
  res.status(status).json(description === undefined ? { error } : { error, description });

/** Zendesk accepts `/tickets/1.json` and `/tickets/1`: strip the suffix so routes see one form. */
export function stripJsonSuffix(req: Request, _res: Response, next: NextFunction) {
  const [path, query] = req.url.split('?', 2) as [string, string | undefined];
  if (path.endsWith('.json')) req.url = path.slice(0, -5) + (query === undefined ? '' : `?${query}`);
  next();
}

export function authenticate(world: World, credentials: ApiCredentials) {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const [scheme, value = ''] = header.split(' ', 2);
    let role: string | undefined;
    // Who is calling (GET /users/me): an OAuth token here belongs to the account's first admin.
    let caller = world.directory.agents.find((a) => a.role === 'admin');
    if (scheme === 'Bearer' && value === credentials.apiToken) role = 'admin';
    if (scheme === 'Basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const separator = decoded.indexOf('/token:');
      const email = decoded.slice(0, separator);
      const token = decoded.slice(separator + '/token:'.length);
      const user = world.directory.usersByEmail.get(email.toLowerCase());
      if (separator > 0 && token === credentials.apiToken && user && user.role !== 'end-user') {
        role = user.role;
        caller = user;
      }
    }
    if (!role) return zendeskError(res, 401, "Couldn't authenticate you");
    res.locals['role'] = role;
    res.locals['userId'] = caller?.id;
    next();
  };
}

/** Zendesk's limits: 429 with Retry-After, X-Rate-Limit headers on every answer. */
export function rateLimit(limits: ApiLimits) {
  const account = new RateLimiterMemory({ points: limits.perMinute, duration: 60 });
  const incremental = new RateLimiterMemory({ points: limits.incrementalPerMinute, duration: 60 });
  const ticketsIndex = new RateLimiterMemory({ points: limits.ticketsIndexPerMinute, duration: 60 });
  const searchExport = new RateLimiterMemory({ points: limits.searchExportPerMinute, duration: 60 });
  const tooMany = (res: Response, rejection: unknown) => {
    const retryAfter =
      rejection instanceof RateLimiterRes ? Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) : 60;
    res.setHeader('Retry-After', String(retryAfter));
    return zendeskError(
      res,
      429,
      'APIRateLimitExceeded',
      'Number of allowed API requests per minute exceeded',
    );
  };
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const used = await account.consume('account');
      res.setHeader('X-Rate-Limit', String(limits.perMinute));
      res.setHeader('X-Rate-Limit-Remaining', String(used.remainingPoints));
    } catch (rejection) {
      res.setHeader('X-Rate-Limit', String(limits.perMinute));
      res.setHeader('X-Rate-Limit-Remaining', '0');
      return tooMany(res, rejection);
    }
    // Mounted under /api/v2, where Express strips the mount path from req.path.
    const path = req.baseUrl + req.path;
    // Endpoints with a limit of their own, counted after the account's.
    const own = path.startsWith('/api/v2/incremental/')
      ? incremental
      : path === '/api/v2/search/export'
        ? searchExport
        : null;
    if (own) {
      try {
        await own.consume('endpoint');
      } catch (rejection) {
        return tooMany(res, rejection);
      }
    } else if (req.method === 'GET' && path === '/api/v2/tickets') {
      try {
        const used = await ticketsIndex.consume('tickets-index');
        const reset = Math.ceil(used.msBeforeNext / 1000);
        res.setHeader('ratelimit-limit', String(limits.ticketsIndexPerMinute));
        res.setHeader('ratelimit-remaining', String(used.remainingPoints));
        res.setHeader('ratelimit-reset', String(reset));
        res.setHeader(
          'zendesk-ratelimit-tickets-index',
          `total=${limits.ticketsIndexPerMinute}; remaining=${used.remainingPoints}; resets=${reset}`,
        );
      } catch (rejection) {
        return tooMany(res, rejection);
      }
    }
    next();
  };
}
