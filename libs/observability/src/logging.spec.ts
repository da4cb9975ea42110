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
});
