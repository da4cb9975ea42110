import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header names as Zendesk sends them (lower-cased on the wire). */
export const SIGNATURE_HEADER = 'x-zendesk-webhook-signature';
export const SIGNATURE_TIMESTAMP_HEADER = 'x-zendesk-webhook-signature-timestamp';

/**
 * The secret Zendesk signs webhook-builder test requests with (docs' example constant). Real webhooks have their own.
 * It is used as-is as the HMAC key (UTF-8 bytes), not base64-decoded.
 */
export const ZENDESK_TEST_SIGNING_SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';

/** base64(HMAC-SHA256(secret, timestamp + rawBody)): timestamp first, no separator. */
export function signWebhook(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(timestamp).update(rawBody).digest('base64');
}

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing-signature' | 'bad-signature' | 'bad-timestamp' | 'stale-timestamp' };

export interface VerifyOptions {
  /** All secrets currently accepted; several during a rotation. */
  secrets: readonly string[];
  /** Accepted distance between the signature timestamp and now, against replays. */
  toleranceMs: number;
  now?: number;
}

/** What can be checked before the body is read: both headers present, the timestamp within the tolerance. */
export function checkSignatureHeaders(
  signature: string | undefined,
  timestamp: string | undefined,
  options: Pick<VerifyOptions, 'toleranceMs' | 'now'>,
): SignatureCheck {
  if (!signature || !timestamp) return { ok: false, reason: 'missing-signature' };
  const signedAt = Date.parse(timestamp);
  if (Number.isNaN(signedAt)) return { ok: false, reason: 'bad-timestamp' };
  if (Math.abs((options.now ?? Date.now()) - signedAt) > options.toleranceMs)
    return { ok: false, reason: 'stale-timestamp' };
  return { ok: true };
}

/** Verifies a webhook over its raw bytes, comparing in constant time against every active secret. */
export function verifyWebhookSignature(
  rawBody: Buffer,
  signature: string | undefined,
  timestamp: string | undefined,
  options: VerifyOptions,
): SignatureCheck {
  const headers = checkSignatureHeaders(signature, timestamp, options);
  if (!headers.ok || !signature || !timestamp) return headers;
  const given = Buffer.from(signature, 'base64');
  let match = false;
  for (const secret of options.secrets) {
    const expected = Buffer.from(signWebhook(secret, timestamp, rawBody), 'base64');
    // Check every secret, so timing does not reveal which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) match = true;
  }
  return match ? { ok: true } : { ok: false, reason: 'bad-signature' };
}
