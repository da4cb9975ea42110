import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { World, type WorldJournalEntry, type WorldOptions, type WorldSnapshot } from './world';

/**
 * A world kept on disk across restarts, so that a restarted simulator is the same Zendesk account the stored
 * state came from: a snapshot, plus a journal of every change since, appended synchronously while the change is
 * made (before its webhooks or API answer leave), so even a kill -9 loses nothing that was announced. The
 * journal is folded into the snapshot every COMPACT_EVERY lines and on close.
 */
export class WorldFile {
  static readonly COMPACT_EVERY = 1_000;
  private lines = 0;
  private readonly stopListening: (() => void)[];

  private constructor(
    readonly path: string,
    readonly world: World,
  ) {
    this.stopListening = [
      world.onUpdate(({ ticketId }) => this.append(world.journalEntry(ticketId))),
      world.onRequesterAdded((requester) => this.append({ requester })),
    ];
  }

  private append(entry: WorldJournalEntry) {
    appendFileSync(this.journalPath, `${JSON.stringify(entry)}\n`);
    if (++this.lines >= WorldFile.COMPACT_EVERY) this.compact();
  }

  private get journalPath() {
    return `${this.path}.journal`;
  }

  /**
   * The world saved at `path`, or a new one saved there when there is none; `note` says which, for the log.
   * Refuses a saved world made with another seed, size or history.
   */
  static open(path: string, options: WorldOptions): { file: WorldFile; note: string } {
    mkdirSync(dirname(path), { recursive: true });
    let note = 'new world (no saved one)';
    let world: World | null = null;
    if (existsSync(path)) {
      const snapshot = JSON.parse(readFileSync(path, 'utf8')) as WorldSnapshot;
      const wanted = {
        seed: options.seed ?? 42,
        tickets: options.tickets ?? 200,
        historyDays: options.historyDays ?? 30,
      };
      const saved = { seed: snapshot.seed, tickets: snapshot.tickets, historyDays: snapshot.historyDays };
      if (snapshot.version === 1 && JSON.stringify(saved) === JSON.stringify(wanted)) {
        const journal = readJournal(`${path}.journal`);
        world = World.restore(snapshot, journal, options);
        note = `restored: ${snapshot.live.length} changed tickets and ${journal.length} journal entries`;
      } else {
        // A new world beside the old one's stored state would reuse its sequence ids (webhook and audit ids).
        throw new Error(
          `${path} holds a world made with ${JSON.stringify(saved)}, not ${JSON.stringify(wanted)}: ` +
            'remove it together with the state built from it (scripts/start.sh --fresh)',
        );
      }
    }
    const file = new WorldFile(path, world ?? new World(options));
    file.compact();
    return { file, note };
  }

  /** Writes the snapshot (atomically: a crash leaves the old one) and empties the journal it now contains. */
  compact(): void {
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.world.snapshot()));
    renameSync(temporary, this.path);
    // A crash right here replays the journal over a snapshot that holds it: whole records, so no harm.
    writeFileSync(this.journalPath, '');
    this.lines = 0;
  }

  close(): void {
    for (const stop of this.stopListening) stop();
    this.compact();
  }
}

/** Journal lines; a last line cut short by a crash is the change that was not made. */
function readJournal(path: string): WorldJournalEntry[] {
  if (!existsSync(path)) return [];
  const entries: WorldJournalEntry[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      entries.push(JSON.parse(line) as WorldJournalEntry);
    } catch {
      break;
    }
  }
  return entries;
}
