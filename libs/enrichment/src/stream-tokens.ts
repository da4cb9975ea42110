import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived tokens that open one user's ticket stream: a browser's EventSource cannot send headers, so the
 * company's backend exchanges its API key for a token scoped to one user id and hands only that to the browser,
 * which passes it as `?token=`. A token is `<payload>.<signature>` (base64url): the user id and expiry, signed with
 * HMAC-SHA256 under the first of STREAM_TOKEN_SECRETS; every listed secret verifies (rotation).
 */
export class StreamTokens {
  constructor(
    private readonly secrets: readonly string[],
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.secrets.length > 0;
  }

  issue(userId: string): { token: string; expiresAt: string } {
    const exp = Math.floor(this.now() / 1000) + this.ttlSeconds;
    const payload = Buffer.from(JSON.stringify({ u: userId, exp })).toString('base64url');
    return {
      token: `${payload}.${sign(this.secrets[0]!, payload)}`,
      expiresAt: new Date(exp * 1000).toISOString(),
    };
  }

  /** null when the token opens this user's stream now; otherwise why not. */
  refusal(token: string, userId: string): string | null {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined || token.length > 2_048) return 'malformed token';
    const given = Buffer.from(signature, 'base64url');
    let valid = false;
    for (const secret of this.secrets) {
      const expected = Buffer.from(sign(secret, payload), 'base64url');
      if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
    }
    if (!valid) return 'invalid token';
    let claims: { u?: unknown; exp?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return 'malformed token';
    }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.now()) return 'expired token';
    if (claims.u !== userId) return "token for another user's stream";
    return null;
  }
}

// Domain-separated: a token signature is never valid as anything else signed with the same secret.
const sign = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(`ticketflow-stream-token:${payload}`).digest('base64url');
