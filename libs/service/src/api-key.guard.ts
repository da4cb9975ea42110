import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

export const API_KEYS = Symbol('ApiKeys');

/** Who may call what: read keys query, admin keys also run admin actions (and query). */
export interface AccessKeys {
  read: string[];
  admin: string[];
}

export type KeyScope = 'read' | 'admin';

/**
 * The key a request presents: a non-empty `x-api-key`, else `Authorization: Bearer KEY` (scheme case-insensitive,
 * RFC 9110); null when none; an error text when the header is malformed.
 */
export function presentedKey(req: Request): { key: string | null } | { error: string } {
  const header = req.headers['x-api-key'];
  if (Array.isArray(header)) return { error: 'x-api-key given more than once' };
  if (header) return { key: header };
  const authorization = req.headers.authorization;
  if (authorization === undefined || authorization === '') return { key: null };
  const bearer = /^bearer[ \t]+([^\s]+)[ \t]*$/i.exec(authorization);
  return bearer ? { key: bearer[1]! } : { error: 'authorization must be "Bearer <key>"' };
}

/**
 * Compares keys in constant time without revealing their length: every key and the candidate are compared as
 * HMAC digests (fixed size, under a per-process salt), and every key is compared whatever matched before.
 */
export class KeyRing {
  private readonly salt = randomBytes(32);
  private readonly digests: { digest: Buffer; scope: KeyScope }[];

  constructor(keys: AccessKeys) {
    this.digests = [
      ...keys.read.map((key) => ({ digest: this.digest(key), scope: 'read' as const })),
      ...keys.admin.map((key) => ({ digest: this.digest(key), scope: 'admin' as const })),
    ];
  }

  private digest(key: string): Buffer {
    return createHmac('sha256', this.salt).update(key).digest();
  }

  /** The widest scope the key grants, or null. */
  scopeOf(key: string): KeyScope | null {
    const candidate = this.digest(key);
    let scope: KeyScope | null = null;
    for (const entry of this.digests)
      if (timingSafeEqual(entry.digest, candidate) && scope !== 'admin') scope = entry.scope;
    return scope;
  }

  get hasAdminKeys(): boolean {
    return this.digests.some((d) => d.scope === 'admin');
  }
}

/** The scope of the request's key, or the 401 that explains why it has none. */
function scopeOf(ring: KeyRing, req: Request): KeyScope {
  const presented = presentedKey(req);
  if ('error' in presented)
    throw new UnauthorizedException({ error: 'unauthorized', reason: presented.error });
  if (presented.key === null)
    throw new UnauthorizedException({ error: 'unauthorized', reason: 'missing-api-key' });
  const scope = ring.scopeOf(presented.key);
  if (!scope) throw new UnauthorizedException({ error: 'unauthorized', reason: 'unknown-api-key' });
  return scope;
}

/** Query access: a read or an admin key, as `x-api-key: KEY` or `Authorization: Bearer KEY`. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(KeyRing) private readonly ring: KeyRing) {}

  canActivate(context: ExecutionContext): boolean {
    scopeOf(this.ring, context.switchToHttp().getRequest<Request>());
    return true;
  }
}

/** Throws the 401 or 403 that explains why the request does not present an admin key. */
export function requireAdminKey(ring: KeyRing, req: Request): void {
  if (scopeOf(ring, req) !== 'admin')
    throw new ForbiddenException({
      error: 'forbidden',
      reason: ring.hasAdminKeys ? 'admin-key-required' : 'no admin keys are configured',
    });
}

/** Admin actions (a reconciliation pass, a stats run): an admin key only. */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(@Inject(KeyRing) private readonly ring: KeyRing) {}

  canActivate(context: ExecutionContext): boolean {
    requireAdminKey(this.ring, context.switchToHttp().getRequest<Request>());
    return true;
  }
}
