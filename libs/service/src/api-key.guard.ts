import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

export const API_KEYS = Symbol('ApiKeys');

/** Query API access: `x-api-key: KEY` or `Authorization: Bearer KEY`, compared in constant time. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: Buffer[];

  constructor(@Inject(API_KEYS) keys: string[]) {
    this.keys = keys.map((key) => Buffer.from(key));
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const given =
      (req.headers['x-api-key'] as string | undefined) ?? req.headers.authorization?.replace(/^Bearer /, '');
    const candidate = Buffer.from(given ?? '');
    let ok = false;
    for (const key of this.keys)
      if (key.length === candidate.length && timingSafeEqual(key, candidate)) ok = true;
    if (!ok)
      throw new UnauthorizedException({
        error: 'unauthorized',
        reason: given ? 'unknown-api-key' : 'missing-api-key',
      });
    return true;
  }
}
