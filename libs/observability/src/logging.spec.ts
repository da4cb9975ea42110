import { QueryFailedError } from 'typeorm';
import { logError } from './logging';

describe('logged errors', () => {
  it("keep a failed query's type and message but not its SQL, parameters or driver error", () => {
    const error = new QueryFailedError(
      'SELECT * FROM company_users WHERE email_normalized = $1',
      ['ann.secret@example.com'],
      Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }),
    );
    const logged = JSON.stringify(logError(error));
    expect(logged).not.toContain('ann.secret');
    expect(logged).not.toContain('company_users');
    expect(logError(error)).toMatchObject({
      type: 'QueryFailedError',
      message: 'invalid byte sequence for encoding "UTF8": 0x00',
    });
  });

  it('redact an email a message names (a unique violation shows the row)', () => {
    const error = new Error('Key (email)=(Ann@Example.com) already exists.');
    expect(logError(error).message).toBe('Key (email)=(REDACTED) already exists.');
  });

  it("keep what operators need: a cause's reason, driver fields naming what failed", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4010'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
    });
    const logged = logError(new TypeError('fetch failed', { cause: refused }));
    expect(logged).toMatchObject({
      type: 'TypeError',
      message: 'fetch failed',
      cause: { message: 'connect ECONNREFUSED 127.0.0.1:4010', code: 'ECONNREFUSED', syscall: 'connect' },
    });
    const unique = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      constraint: 'company_users_pkey',
      detail: 'Key (email)=(ann@example.com) already exists.',
    });
    expect(logError(unique)).toMatchObject({ code: '23505', constraint: 'company_users_pkey' });
    expect(JSON.stringify(logError(unique))).not.toContain('ann@');
  });
});
