import { mulberry32, type Rng } from '@ticketflow/zendesk-simulator';

/** Seeded PRNG (the simulator's mulberry32): a suite seed reproduces the same workload and fault schedule. */
export type { Rng };

/** An independent stream per purpose, so adding a fault does not change the workload of a seed. */
export const streamOf = (seed: number, purpose: string): Rng =>
  mulberry32([...purpose].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193), seed ^ 0x811c9dc5));

/** An integer in [min, max]. */
export const between = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

export function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
