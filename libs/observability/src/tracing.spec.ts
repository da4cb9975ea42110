import { redactText, redactedUrl } from './tracing';

describe('span redaction', () => {
  it('blanks emails (raw or percent-encoded) and the values of sensitive query parameters', () => {
    expect(redactText('/users?email=kemal.garcia.1%40example.com')).toBe('/users?email=REDACTED');
    expect(redactText('/api/v2/users/search?query=email:Ann@Example.com&page=2')).toBe(
      '/api/v2/users/search?query=REDACTED&page=2',
    );
    expect(redactText('requester ann@example.co.uk asked')).toBe('requester REDACTED asked');
    expect(redactText('/tickets/123?status=open')).toBe('/tickets/123?status=open');
    expect(redactedUrl(new URL('http://z.example/api/v2/users/search?query=a%40b.com&x=1')).search).toBe(
      '?query=REDACTED&x=1',
    );
  });
});
