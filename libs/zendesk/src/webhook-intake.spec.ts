import {
  SIGNATURE_HEADER,
  SIGNATURE_TIMESTAMP_HEADER,
  ZENDESK_TEST_SIGNING_SECRET,
  signWebhook,
} from './signature';
import { decideWebhook } from './webhook-intake';

const TS = '2026-11-25T12:00:00Z';
const options = { secrets: [ZENDESK_TEST_SIGNING_SECRET], toleranceMs: 300_000, now: Date.parse(TS) };
const signed = (body: Buffer) => ({
  [SIGNATURE_HEADER]: signWebhook(ZENDESK_TEST_SIGNING_SECRET, TS, body),
  [SIGNATURE_TIMESTAMP_HEADER]: TS,
});
const trigger = {
  ticket_id: '42',
  status: 'Open',
  priority: 'High',
  requester_id: '7',
  requester_email: 'ann@example.com',
  assignee_id: '',
  created_at: '2026-11-25T11:00Z',
  updated_at: '2026-11-25T11:59Z',
};

describe('deciding on a signed webhook', () => {
  it('accepts the recommended trigger body as Zendesk renders it', () => {
    const body = Buffer.from(JSON.stringify(trigger));
    expect(decideWebhook('trigger', body, signed(body), options)).toMatchObject({ outcome: 'accept' });
  });

  it('refuses a body that is not UTF-8 instead of replacing its bytes', () => {
    const json = JSON.stringify({ ...trigger, requester_email: 'ann@exampl\u00e9.com' });
    const latin1 = Buffer.from(json, 'latin1');
    expect(decideWebhook('trigger', latin1, signed(latin1), options)).toMatchObject({
      outcome: 'reject',
      status: 400,
      reason: 'invalid-json',
    });
  });

  it('refuses a ticket time past now + the tolerance as future-timestamp (400), takes clock skew within it', () => {
    const far = Buffer.from(JSON.stringify({ ...trigger, updated_at: '9999-01-01T00:00Z' }));
    expect(decideWebhook('trigger', far, signed(far), options)).toMatchObject({
      outcome: 'reject',
      status: 400,
      reason: 'future-timestamp',
      detail: expect.stringContaining('updated_at'),
    });
    const skewed = Buffer.from(JSON.stringify({ ...trigger, updated_at: '2026-11-25T12:10Z' }));
    expect(decideWebhook('trigger', skewed, signed(skewed), options)).toMatchObject({ outcome: 'accept' });
    expect(
      decideWebhook('trigger', skewed, signed(skewed), { ...options, futureToleranceMs: 300_000 }),
    ).toMatchObject({ outcome: 'reject', reason: 'future-timestamp' });
  });

  it('ignores an event type it does not use under a closed-set label, echoing a bounded part of it', () => {
    const body = Buffer.from(
      JSON.stringify({ id: 'e1', type: `zen:event-type:user.${'x'.repeat(200_000)}`, time: TS, detail: {} }),
    );
    const decision = decideWebhook('events', body, signed(body), options);
    expect(decision).toMatchObject({ outcome: 'ignore', label: 'zen:event-type:user.*' });
    expect(decision.outcome === 'ignore' && decision.type.length).toBeLessThan(200);
  });

  it('answers a contract violation 400 with its reason, before anything is produced', () => {
    const body = Buffer.from(
      JSON.stringify({ ...trigger, assignee_id: 'abc', created_at: TS, updated_at: TS }),
    );
    expect(decideWebhook('trigger', body, signed(body), options)).toMatchObject({
      outcome: 'reject',
      status: 400,
      reason: 'invalid-payload',
      detail: expect.stringContaining('assignee_id'),
    });
  });
});
