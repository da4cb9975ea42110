import { startSimulator, type Simulator } from './simulator';

const EVENTS = '/api/v2/incremental/ticket_events';

describe('simulator faults a client must survive', () => {
  let sim: Simulator;
  const get = async (path: string) => {
    const response = await fetch(`${sim.url}${path}`, {
      headers: { authorization: sim.authorization },
      signal: AbortSignal.timeout(2_000),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      text: await response.text(),
    };
  };

  beforeAll(async () => {
    sim = await startSimulator({
      tickets: 200,
      seed: 11,
      apiFaults: {
        errorRate: 0,
        hangMs: 500,
        paths: { '/api/v2/users': { errorRate: 1 } },
        script: [
          { path: EVENTS, nth: 2, fault: 'truncate' },
          { path: EVENTS, nth: 3, fault: '504' },
          { path: EVENTS, nth: 4, fault: '429' },
          { path: EVENTS, nth: 5, fault: 'timeout' },
        ],
      },
      limits: { perMinute: 100_000, incrementalPerMinute: 1_000 },
    });
  });
  afterAll(() => sim.close());

  it('answers the n-th request of a path as scripted, and counts every answer per path and outcome', async () => {
    const url = `${EVENTS}.json?start_time=0&per_page=50`;
    expect((await get(url)).status).toBe(200);
    const truncated = await get(url);
    expect(truncated.status).toBe(200);
    expect(() => JSON.parse(truncated.text)).toThrow();
    expect(await get(url)).toMatchObject({ status: 504, text: 'upstream request timeout' });
    expect(await get(url)).toMatchObject({ status: 429, retryAfter: '1' });
    await expect(get(url)).rejects.toThrow(); // closed unanswered
    expect(JSON.parse((await get(url)).text)['count']).toBe(50);
    await new Promise((resolve) => setTimeout(resolve, 700)); // the hung socket closes
    const counts = (await (await fetch(`${sim.url}/_simulator/requests`)).json()) as Record<
      string,
      Record<string, number>
    >;
    expect(counts[EVENTS]).toEqual({ '200': 2, 'cut-200': 1, '504': 1, '429': 1, timeout: 1 });
  });

  it('applies a rate to the paths it names only', async () => {
    expect([500, 503]).toContain((await get('/api/v2/users/show_many.json?ids=1')).status);
    expect((await get('/api/v2/groups.json')).status).toBe(200);
    const counts = (await (await fetch(`${sim.url}/_simulator/requests`)).json()) as Record<
      string,
      Record<string, number>
    >;
    expect(counts['/api/v2/groups']).toEqual({ '200': 1 });
  });

  it('shows a change in the export only after the visibility lag, below the end_time it already claimed', async () => {
    await fetch(`${sim.url}/_simulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api: { visibilityLagMs: 120_000, script: [] } }),
    });
    const { ticketId } = sim.world.createTicket({});
    sim.world.updateTicket(ticketId, { status: 'solved' });
    const at = Math.floor(sim.world.clock() / 1000);
    const advance = (ms: number) =>
      fetch(`${sim.url}/_simulator/clock/advance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ms }),
      });
    const items = async () => {
      const page = JSON.parse((await get(`${EVENTS}.json?start_time=${at - 1}`)).text);
      return {
        end: page.end_time as number,
        tickets: (page.ticket_events as { ticket_id: number }[]).map((e) => e.ticket_id),
      };
    };
    await advance(70_000);
    const early = await items();
    expect(early.end).toBeGreaterThan(at);
    expect(early.tickets).not.toContain(ticketId);
    await advance(120_000);
    expect((await items()).tickets.filter((id) => id === ticketId)).toHaveLength(2);
  });
});

describe('simulator surface a collector reads', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ tickets: 300, seed: 3, apiFaults: { errorRate: 0 } });
  });
  afterAll(() => sim.close());
  const getJson = async (path: string) => {
    const response = await fetch(`${sim.url}${path}`, { headers: { authorization: sim.authorization } });
    return { date: response.headers.get('date'), body: (await response.json()) as Record<string, unknown> };
  };

  it('lists the agents and admins by cursor (users?role[]=agent&role[]=admin)', async () => {
    const seen: { id: number; role: string }[] = [];
    let next: string | null = '/api/v2/users.json?role[]=agent&role[]=admin&page[size]=2';
    while (next) {
      const { body } = await getJson(next.replace(sim.url, ''));
      seen.push(...(body['users'] as { id: number; role: string }[]));
      next = (body['links'] as { next: string | null }).next;
    }
    const agents = sim.world.directory.agents.map((a) => a.id).sort((a, b) => a - b);
    expect(seen.map((u) => u.id)).toEqual(agents);
    expect(new Set(seen.map((u) => u.role))).toEqual(new Set(sim.world.directory.agents.map((a) => a.role)));
  });

  it("dates every export answer (the collector's server clock) and keeps deleted tickets' created_at", async () => {
    const { date, body } = await getJson('/api/v2/incremental/tickets/cursor.json?start_time=0');
    expect(Math.abs(Date.parse(date!) - Date.now())).toBeLessThan(5_000);
    const deleted = (body['tickets'] as { status: string; created_at: string }[]).filter(
      (t) => t.status === 'deleted',
    );
    expect(deleted.length).toBeGreaterThan(0);
    for (const ticket of deleted) expect(Date.parse(ticket.created_at)).not.toBeNaN();
  });
});
