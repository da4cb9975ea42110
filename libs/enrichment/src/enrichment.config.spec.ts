import { EnrichmentEnv } from './enrichment.config';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgres://x@127.0.0.1/x',
  ZENDESK_BASE_URL: 'https://acme.zendesk.com',
  ZENDESK_EMAIL: 'agent@example.com',
  ZENDESK_API_TOKEN: 'token-token',
  ENRICHMENT_API_KEYS: 'a-long-enough-key',
};

describe('TICKET_CUSTOM_FIELDS', () => {
  const parse = (value?: string) => EnrichmentEnv.safeParse({ ...base, TICKET_CUSTOM_FIELDS: value });

  it('names custom fields by Zendesk field id; none by default', () => {
    expect(parse().data?.TICKET_CUSTOM_FIELDS).toEqual([]);
    expect(parse(' sector=360010000001, order_number=360010000002 ').data?.TICKET_CUSTOM_FIELDS).toEqual([
      { name: 'sector', id: '360010000001' },
      { name: 'order_number', id: '360010000002' },
    ]);
  });

  it.each([
    ['sector', /name=<Zendesk field id>/],
    ['sector=abc', /name=<Zendesk field id>/],
    ['1sector=1', /name=<Zendesk field id>/],
    ['sector=1,sector=2', /named twice/],
  ])('refuses %s at start', (value, reason) => {
    const result = parse(value);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.message).join('; ')).toMatch(reason);
  });
});
