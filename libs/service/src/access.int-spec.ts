import { Controller, Get, Post, Query, UseGuards, type INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { AdminKeyGuard, ApiKeyGuard } from './api-key.guard';
import { HTTP_LIMITS, createService } from './service';

const READ_KEY = 'read-key-0123456789';
const ADMIN_KEY = 'admin-key-0123456789';

@UseGuards(ApiKeyGuard)
@Controller()
class ProbeController {
  @Get('things')
  things(@Query('email') email?: string) {
    return { email: email ?? null };
  }

  @Post('admin/run')
  @UseGuards(AdminKeyGuard)
  run() {
    return { ran: true };
  }
}

async function start(options: { adminKeys?: string[]; opsEndpoints?: 'open' | 'admin' }) {
  const { app } = await createService({
    name: 'probe',
    description: 'access probe',
    logLevel: 'error',
    runtime: () => ({ start: async () => undefined, ready: async () => ({}), stop: async () => undefined }),
    controllers: [ProbeController],
    apiKeys: [READ_KEY],
    ...options,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}

describe('service access: keys, scopes, query hygiene, ops endpoints, HTTP limits', () => {
  let app: INestApplication;
  let url: string;
  beforeAll(async () => ({ app, url } = await start({ adminKeys: [ADMIN_KEY] })));
  afterAll(() => app.close());

  const call = async (path: string, headers: Record<string, string> = {}, method = 'GET') => {
    const response = await fetch(`${url}${path}`, { method, headers });
    return {
      status: response.status,
      body: (await response.json().catch(() => null)) as { reason?: string },
    };
  };

  it.each([
    [{ 'x-api-key': READ_KEY }, 200],
    [{ authorization: `Bearer ${READ_KEY}` }, 200],
    [{ authorization: `bearer ${READ_KEY}` }, 200], // the scheme is case-insensitive
    [{ authorization: `BEARER  ${READ_KEY} ` }, 200],
    [{ 'x-api-key': '', authorization: `Bearer ${READ_KEY}` }, 200], // an empty x-api-key hides nothing
    [{ 'x-api-key': ADMIN_KEY }, 200], // admin keys read too
    [{ authorization: READ_KEY }, 401], // no scheme
    [{ authorization: `Basic ${READ_KEY}` }, 401],
    [{ 'x-api-key': `${READ_KEY}x` }, 401],
    [{ 'x-api-key': READ_KEY.slice(0, -1) }, 401],
    [{}, 401],
  ] as const)('reads with %j: %i', async (headers, status) => {
    expect((await call('/things', headers)).status).toBe(status);
  });

  it('runs admin actions with an admin key only (403 for a read key), and says why', async () => {
    expect((await call('/admin/run', { 'x-api-key': ADMIN_KEY }, 'POST')).status).toBe(201);
    expect(await call('/admin/run', { 'x-api-key': READ_KEY }, 'POST')).toEqual({
      status: 403,
      body: expect.objectContaining({ reason: 'admin-key-required' }),
    });
    expect((await call('/admin/run', {}, 'POST')).status).toBe(401);
    expect((await call('/admin/run', { authorization: READ_KEY }, 'POST')).body.reason).toBe(
      'authorization must be "Bearer <key>"',
    );
  });

  it('answers 400 for repeated query parameters and NUL characters, before any handler', async () => {
    const key = { 'x-api-key': READ_KEY };
    expect((await call('/things?email=a@example.com', key)).body).toEqual({ email: 'a@example.com' });
    for (const path of ['/things?email=a&email=b', '/things?email=a%00b', '/things%00'])
      expect({ path, status: (await call(path, key)).status }).toEqual({ path, status: 400 });
    expect((await call('/things?email=a&email=b', key)).body.reason).toBe(
      'query parameter email must be given once, as plain text',
    );
  });

  it('bounds how long a client may take to send a request', () => {
    const server = app.getHttpServer() as Server;
    expect(server.headersTimeout).toBe(HTTP_LIMITS.headersTimeoutMs);
    expect(server.requestTimeout).toBe(HTTP_LIMITS.requestTimeoutMs);
    expect(server.keepAliveTimeout).toBe(HTTP_LIMITS.keepAliveTimeoutMs);
    expect(server.requestTimeout).toBeLessThan(300_000);
  });

  it('serves metrics and docs to anyone by default, to admin keys only when so configured', async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    const closed = await start({ adminKeys: [ADMIN_KEY], opsEndpoints: 'admin' });
    try {
      for (const path of [
        '/metrics',
        '/openapi.json',
        '/openapi.yaml',
        '/docs',
        '/METRICS',
        '/Docs/',
        '/OpenAPI.json',
      ]) {
        expect({ path, status: (await fetch(`${closed.url}${path}`)).status }).toEqual({ path, status: 401 });
        const read = await fetch(`${closed.url}${path}`, { headers: { 'x-api-key': READ_KEY } });
        expect({ path, status: read.status }).toEqual({ path, status: 403 });
        const admin = await fetch(`${closed.url}${path}`, {
          headers: { authorization: `Bearer ${ADMIN_KEY}` },
        });
        expect({ path, status: admin.status }).toEqual({ path, status: 200 });
      }
      expect((await fetch(`${closed.url}/health/live`)).status).toBe(200);
    } finally {
      await closed.app.close();
    }
  });

  it('refuses to start with metrics for admin keys only and no admin key', async () => {
    await expect(start({ opsEndpoints: 'admin' })).rejects.toThrow(
      'OPS_ENDPOINTS=admin needs ADMIN_API_KEYS',
    );
  });

  it('refuses admin actions when no admin key is configured', async () => {
    const none = await start({});
    try {
      const response = await fetch(`${none.url}/admin/run`, {
        method: 'POST',
        headers: { 'x-api-key': READ_KEY },
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { reason: string }).reason).toBe('no admin keys are configured');
    } finally {
      await none.app.close();
    }
  });
});
