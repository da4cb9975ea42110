import { StreamTokens } from './stream-tokens';

describe('stream tokens', () => {
  let now = Date.parse('2026-11-26T12:00:00Z');
  const tokens = new StreamTokens(['first-secret-0123456789', 'older-secret-0123456789'], 300, () => now);

  it("open the user's own stream until they expire, never another user's", () => {
    const { token, expiresAt } = tokens.issue('user-a');
    expect(expiresAt).toBe('2026-11-26T12:05:00.000Z');
    expect(tokens.refusal(token, 'user-a')).toBeNull();
    expect(tokens.refusal(token, 'user-b')).toBe("token for another user's stream");
    now += 300_000;
    expect(tokens.refusal(token, 'user-a')).toBe('expired token');
  });

  it('refuse a changed payload or signature, and a secret no longer listed; verify under an older listed one', () => {
    const { token } = tokens.issue('user-a');
    const [payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ u: 'user-b', exp: 9_999_999_999 })).toString('base64url');
    expect(tokens.refusal(`${forged}.${signature}`, 'user-b')).toBe('invalid token');
    expect(tokens.refusal(`${payload}.${signature!.slice(1)}`, 'user-a')).toBe('invalid token');
    expect(tokens.refusal(`${payload}`, 'user-a')).toBe('malformed token');
    expect(tokens.refusal(`${token}.x`, 'user-a')).toBe('malformed token');
    const rotated = new StreamTokens(['new-secret-0123456789', 'first-secret-0123456789'], 300, () => now);
    expect(rotated.refusal(token, 'user-a')).toBeNull();
    expect(new StreamTokens(['new-secret-0123456789'], 300, () => now).refusal(token, 'user-a')).toBe(
      'invalid token',
    );
  });
});
