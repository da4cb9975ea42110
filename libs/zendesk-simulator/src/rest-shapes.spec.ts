import { restGroup, restTicket, restUser } from './rest-shapes';
import { World } from './world';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const HOST = 'http://127.0.0.1:4010';

describe('REST shapes', () => {
  const world = new World({ tickets: 400, seed: 11, clock: () => NOW });
  const tickets = [...world.ids()].map((id) => restTicket(world.state(id)!, HOST));

  it('renders a ticket the same way every time (extras drawn from the id, not from the history stream)', () => {
    const again = new World({ tickets: 400, seed: 11, clock: () => NOW });
    expect([...again.ids()].map((id) => restTicket(again.state(id)!, HOST))).toEqual(tickets);
    expect(new Set(tickets.map((t) => t.encoded_id)).size).toBe(tickets.length);
    for (const t of tickets) expect(t.encoded_id).toMatch(/^[2-9A-Z]{6}-[2-9A-Z]{4}$/);
  });

  it('fills documented fields from the ticket’s life: due dates on tasks, surveys on solved tickets', () => {
    for (const t of tickets) {
      expect(t.due_at !== null).toBe(t.type === 'task');
      expect(t.fields).toEqual(t.custom_fields);
      expect(t.custom_fields.map((f) => f.id)).toEqual([360_010_000_001, 360_010_000_002]);
      expect(t.recipient !== null).toBe(t.via.channel === 'email');
      if (t.status !== 'solved' && t.status !== 'closed')
        expect(t.satisfaction_rating).toEqual({ score: 'unoffered' });
    }
    const scores = new Set(tickets.map((t) => t.satisfaction_rating.score));
    expect(scores).toEqual(new Set(['unoffered', 'offered', 'good', 'bad']));
    const task = tickets.find((t) => t.type === 'task')!;
    expect(Date.parse(task.due_at!) - Date.parse(task.created_at)).toBe(3 * 86_400_000);
  });

  it('renders users and groups with URLs on the given host (port kept) and whole-second times', () => {
    const requester = world.directory.requesters[0]!;
    const user = restUser(requester, HOST);
    expect(user.url).toBe(`${HOST}/api/v2/users/${requester.id}.json`);
    expect(user.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(user).toMatchObject({ role: 'end-user', ticket_restriction: 'requested', restricted_agent: true });
    expect(restUser(world.directory.agents[0]!, HOST)).toMatchObject({
      role: 'admin',
      ticket_restriction: null,
      moderator: true,
    });
    const [first, second] = world.directory.groups.map((g) => restGroup(g, HOST));
    expect(first).toMatchObject({ url: `${HOST}/api/v2/groups/${first!.id}.json`, default: true });
    expect(second!.default).toBe(false);
  });
});
