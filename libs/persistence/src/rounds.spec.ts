import { Rounds } from './rounds';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A round that records when it ran and returns what `results` says (0 when they run out). */
function recorder(results: number[] = []) {
  const at: number[] = [];
  let gate: Promise<void> | null = null;
  return {
    at,
    hold: (until: Promise<void>) => (gate = until),
    round: async () => {
      at.push(Date.now());
      if (gate) await gate;
      gate = null;
      return results.shift() ?? 0;
    },
  };
}

describe('Rounds', () => {
  it('pauses idleMs after a round that found nothing, and wake() ends the pause at once', async () => {
    const r = recorder();
    const rounds = new Rounds(r.round, { idleMs: 10_000, errorMs: 10_000 });
    rounds.start();
    await sleep(20);
    expect(r.at).toHaveLength(1); // idle: the next round would wait 10 s
    const woken = Date.now();
    rounds.wake();
    await sleep(20);
    await rounds.stop();
    expect(r.at).toHaveLength(2);
    expect(r.at[1]! - woken).toBeLessThan(15);
  });

  it('a wake() during a round runs another straight after it, even if that round found nothing', async () => {
    const r = recorder();
    let release!: () => void;
    r.hold(new Promise<void>((resolve) => (release = resolve)));
    const rounds = new Rounds(r.round, { idleMs: 10_000, errorMs: 10_000 });
    rounds.start();
    await sleep(10);
    rounds.wake(); // work committed while the round was reading
    release();
    await sleep(20);
    await rounds.stop();
    expect(r.at).toHaveLength(2);
  });

  it('does not shorten the pause after a failure (no busy loop during an outage)', async () => {
    let calls = 0;
    const errors: Error[] = [];
    const rounds = new Rounds(
      async () => {
        calls++;
        throw new Error('kafka away');
      },
      { idleMs: 10, errorMs: 10_000, onError: (e) => errors.push(e) },
    );
    rounds.start();
    await sleep(20);
    for (let i = 0; i < 5; i++) rounds.wake();
    await sleep(20);
    await rounds.stop();
    expect(calls).toBe(1);
    expect(errors.map((e) => e.message)).toEqual(['kafka away']);
  });

  it('runs rounds back to back while they find work', async () => {
    const r = recorder([5, 5, 5]);
    const rounds = new Rounds(r.round, { idleMs: 10_000, errorMs: 10_000 });
    rounds.start();
    await sleep(30);
    await rounds.stop();
    expect(r.at).toHaveLength(4); // three with work, then one that found none
  });
});
