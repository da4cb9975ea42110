import { Column, Entity, PrimaryColumn, type EntityManager } from 'typeorm';

/**
 * Kafka offsets a projection has applied, stored in the same transaction as the read-model change it made:
 * on restart the projection seeks here, so each event takes effect exactly once even though Kafka delivers at
 * least once.
 */
@Entity({ name: 'kafka_consumer_offsets' })
export class ConsumerOffsetEntity {
  @PrimaryColumn({ name: 'group_id', type: 'text' })
  groupId!: string;

  @PrimaryColumn({ type: 'text' })
  topic!: string;

  @PrimaryColumn({ type: 'integer' })
  partition!: number;

  /** The next offset to read (last applied + 1), as Kafka commits it. */
  @Column({ name: 'next_offset', type: 'bigint' })
  nextOffset!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

export interface PartitionOffset {
  topic: string;
  partition: number;
  nextOffset: string;
}

export async function loadConsumerOffsets(
  manager: EntityManager,
  groupId: string,
  topic: string,
): Promise<PartitionOffset[]> {
  const rows = await manager.find(ConsumerOffsetEntity, { where: { groupId, topic } });
  return rows.map((row) => ({ topic: row.topic, partition: row.partition, nextOffset: row.nextOffset }));
}
