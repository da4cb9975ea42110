import { GatewayEnv } from './gateway.config';

const env = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  ZENDESK_WEBHOOK_SECRETS: 'a-signing-secret',
};

describe('gateway configuration', () => {
  it('allows ticket times one hour ahead of now by default (WEBHOOK_FUTURE_TOLERANCE_SECONDS)', () => {
    expect(GatewayEnv.parse(env).WEBHOOK_FUTURE_TOLERANCE_SECONDS).toBe(3_600);
    expect(
      GatewayEnv.parse({ ...env, WEBHOOK_FUTURE_TOLERANCE_SECONDS: '600' }).WEBHOOK_FUTURE_TOLERANCE_SECONDS,
    ).toBe(600);
  });

  it.each(['abc', '1.5', '-1', '0', '59', '86401'])(
    'refuses WEBHOOK_FUTURE_TOLERANCE_SECONDS=%s at start',
    (value) => {
      const parsed = GatewayEnv.safeParse({ ...env, WEBHOOK_FUTURE_TOLERANCE_SECONDS: value });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(['WEBHOOK_FUTURE_TOLERANCE_SECONDS']);
    },
  );
});
