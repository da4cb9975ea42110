import type { DataSource, EntityManager } from 'typeorm';
import { OffsetGap, type DecodedMessage, type PartitionBatch } from '@ticketflow/kafka';

/** A projection's pure-ish step inside the transaction: only the batch's messages not applied before. */
export type ProjectionStep<T, R> = (manager: EntityManager, messages: DecodedMessage<T>[]) => Promise<R>;

export interface FencedProjectionOptions {
  /**
   * Commit without waiting for the WAL flush: a crash loses the offsets with the effects, and the fence makes the
   * consumer fetch them again. Only for projections whose outgoing messages are derived again on replay.
   */
  relaxDurability?: boolean;
}

/**
 * Applies one partition batch in one transaction, fenced by the offset stored with the effects: the stored offset
 * is locked, messages it already covers are dropped, a batch that starts beyond it is refused (`OffsetGap`: the
 * consumer seeks back), and the new offset is written by the holder of the lock. Two consumers holding one
 * partition (a zombie after a rebalance, a replay) serialise on that row; neither applies a message twice or
 * skips one. A partition without a stored offset is read from its beginning.
 * Returns the step's result, or null when the whole batch had been applied before.
 */
export function applyFenced<T, R>(
  db: DataSource,
  groupId: string,
  batch: PartitionBatch<T>,
  step: ProjectionStep<T, R>,
  options: FencedProjectionOptions = {},
): Promise<R | null> {
  return db.transaction(async (manager) => {
    if (options.relaxDurability) await manager.query(`SET LOCAL synchronous_commit TO off`);
    const key = [groupId, batch.topic, batch.partition];
    // One round trip creates the partition's row if needed and locks it (a no-op update takes the row lock).
    const [row]: { next_offset: string }[] = await manager.query(
      `INSERT INTO kafka_consumer_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, 0)
       ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = kafka_consumer_offsets.next_offset
       RETURNING next_offset`,
      key,
    );
    const stored = BigInt(row!.next_offset);
    if (BigInt(batch.nextOffset) <= stored) return null;
    if (BigInt(batch.firstOffset) > stored && batch.resumedFrom !== stored.toString())
      throw new OffsetGap(batch.topic, batch.partition, stored.toString(), batch.firstOffset);
    const fresh = batch.messages.filter((m) => BigInt(m.offset) >= stored);
    const result = await step(manager, fresh);
    await manager.query(
      `UPDATE kafka_consumer_offsets SET next_offset = $4, updated_at = now()
        WHERE group_id = $1 AND topic = $2 AND partition = $3`,
      [...key, batch.nextOffset],
    );
    return result;
  });
}
