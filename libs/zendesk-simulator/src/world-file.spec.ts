import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultControls } from './fault-controls';
import { GroundTruth } from './truth';
import { World } from './world';
import { WorldFile } from './world-file';

const OPTIONS = { seed: 7, tickets: 60 };

/** Everything a client or an auditor can see of a world. */
function seen(world: World) {
  return {
    truth: new GroundTruth(world).allTickets(),
    exportOrder: [...world.inUpdateOrder(null, 0, Infinity)],
    requesters: world.directory.requesters.map((u) => [u.id, u.email]),
    ticketCount: world.ticketCount,
  };
}

/** Live changes of every kind, through the world's own operations. */
function changeIt(world: World) {
  const requester = new FaultControls(world).addRequester({ name: 'Added', email: 'added@example.com' });
  const { ticketId } = world.createTicket({ requesterId: requester.id, subject: 'Saved?' });
  world.updateTicket(ticketId, { status: 'pending', comment: { body: 'more details please' } });
  const ids = [...world.ids()];
  world.updateTicket(ids[3]!, { priority: 'urgent' });
  world.softDelete(ids[5]!);
  world.permanentlyDelete(ids[5]!);
  return ticketId;
}

describe('WorldFile: the simulator keeps its world across restarts', () => {
  const path = () => join(mkdtempSync(join(tmpdir(), 'world-file-')), 'world.json');

  it('restores a closed world exactly, including added requesters and created tickets', () => {
    const file = path();
    const { file: first, note } = WorldFile.open(file, OPTIONS);
    expect(note).toBe('new world (no saved one)');
    changeIt(first.world);
    const before = seen(first.world);
    first.close();

    const { file: second, note: restored } = WorldFile.open(file, OPTIONS);
    expect(restored).toMatch(/^restored: 3 changed tickets and 0 journal entries$/);
    expect(seen(second.world)).toEqual(before);
  });

  it('after a kill -9 (never closed), restores every change from the journal', () => {
    const file = path();
    const { file: first } = WorldFile.open(file, OPTIONS);
    const created = changeIt(first.world);
    const before = seen(first.world);
    // One line per requester added and per ticket change.
    const lines = readFileSync(`${file}.journal`, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(6);

    const { file: second, note } = WorldFile.open(file, OPTIONS);
    expect(note).toBe('restored: 0 changed tickets and 6 journal entries');
    expect(seen(second.world)).toEqual(before);

    // New changes continue the sequence: a webhook event id is never used twice.
    const sequenceIds = (world: World) =>
      [...world.ids()].flatMap((id) => world.ticket(id)!.changes.map((c) => c.sequenceId));
    const used = new Set(sequenceIds(second.world));
    const next = second.world.updateTicket(created, { status: 'open' });
    expect(used.has(next.sequenceId)).toBe(false);
  });

  it('ignores a journal line cut short by a crash, and compacting twice changes nothing', () => {
    const file = path();
    const { file: first } = WorldFile.open(file, OPTIONS);
    changeIt(first.world);
    const before = seen(first.world);
    appendFileSync(`${file}.journal`, '{"id":1000,"ticket":{"se');
    const { file: second } = WorldFile.open(file, OPTIONS);
    second.compact();
    second.compact();
    expect(seen(WorldFile.open(file, OPTIONS).file.world).truth).toEqual(before.truth);
  });

  it('refuses a saved world made with another seed or size (its stored state would meet reused ids)', () => {
    const file = path();
    const { file: first } = WorldFile.open(file, OPTIONS);
    changeIt(first.world);
    first.close();
    expect(() => WorldFile.open(file, { ...OPTIONS, seed: 8 })).toThrow(/"seed":7.*--fresh/);
    expect(() => WorldFile.open(file, { ...OPTIONS, tickets: 61 })).toThrow(/"tickets":60/);
  });

  it('compacts the journal into the snapshot every COMPACT_EVERY lines', () => {
    const file = path();
    const { file: first } = WorldFile.open(file, OPTIONS);
    const id = [...first.world.ids()].find((i) => first.world.state(i)?.status === 'open')!;
    for (let i = 0; i < WorldFile.COMPACT_EVERY + 2; i++)
      first.world.updateTicket(id, { comment: { body: `note ${i}`, public: false } });
    expect(readFileSync(`${file}.journal`, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(seen(WorldFile.open(file, OPTIONS).file.world).truth).toEqual(seen(first.world).truth);
  });
});
