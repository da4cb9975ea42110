import { minInsyncReplicasFor } from './topics';

describe('min.insync.replicas follows the replication factor', () => {
  it.each([
    [1, 1],
    [2, 1],
    [3, 2],
    [5, 2],
  ])('replication factor %i -> %i', (rf, isr) => expect(minInsyncReplicasFor(rf)).toBe(isr));
});
