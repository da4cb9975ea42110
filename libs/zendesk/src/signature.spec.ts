import { ZENDESK_TEST_SIGNING_SECRET, signWebhook, verifyWebhookSignature } from './signature';

// Vectors from ../shared/reference/zendesk-api.md §1, computed with Zendesk's documented algorithm.
const TS = '2021-07-25T10:00:00Z';
const BODY = '{"say": "hello"}';
const at = Date.parse(TS);

describe('Zendesk webhook signature', () => {
  it('matches the known vectors for the test secret', () => {
    expect(signWebhook(ZENDESK_TEST_SIGNING_SECRET, TS, BODY)).toBe(
      'gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0=',
    );
    expect(signWebhook(ZENDESK_TEST_SIGNING_SECRET, TS, '')).toBe(
      'Quv38XAfu9ZaMGBsk0NSntquALrZBp815j0203kelQA=',
    );
  });

  it('rejects the legacy docs triple, which was signed body-then-timestamp', () => {
    const legacy = {
      secret: 'HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=',
      sig: 'tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw=',
    };
    const check = verifyWebhookSignature(Buffer.from(BODY), legacy.sig, TS, {
      secrets: [legacy.secret],
      toleranceMs: 1e3,
      now: at,
    });
    expect(check).toEqual({ ok: false, reason: 'bad-signature' });
  });

  const verify = (
    body: string,
    sig: string | undefined,
    ts: string | undefined,
    now = at,
    secrets = [ZENDESK_TEST_SIGNING_SECRET],
  ) => verifyWebhookSignature(Buffer.from(body), sig, ts, { secrets, toleranceMs: 300_000, now });

  it('accepts a valid signature, with any of several rotating secrets', () => {
    const sig = signWebhook(ZENDESK_TEST_SIGNING_SECRET, TS, BODY);
    expect(verify(BODY, sig, TS)).toEqual({ ok: true });
    expect(verify(BODY, sig, TS, at, ['old-secret-000', ZENDESK_TEST_SIGNING_SECRET])).toEqual({ ok: true });
  });

  it('rejects a tampered body, a missing header, a stale or malformed timestamp', () => {
    const sig = signWebhook(ZENDESK_TEST_SIGNING_SECRET, TS, BODY);
    expect(verify(BODY.replace('hello', 'hellp'), sig, TS).ok).toBe(false);
    expect(verify(BODY, undefined, TS)).toEqual({ ok: false, reason: 'missing-signature' });
    expect(verify(BODY, sig, undefined)).toEqual({ ok: false, reason: 'missing-signature' });
    expect(verify(BODY, sig, TS, at + 301_000)).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verify(BODY, sig, 'yesterday')).toEqual({ ok: false, reason: 'bad-timestamp' });
    expect(verify(BODY, 'c2hvcnQ=', TS)).toEqual({ ok: false, reason: 'bad-signature' });
  });
});
