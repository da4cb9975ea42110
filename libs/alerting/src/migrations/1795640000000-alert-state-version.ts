import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The version of the open set each user's state was decided from: older or repeated sets are ignored. */
export class AlertStateVersion1795640000000 implements MigrationInterface {
  name = 'AlertStateVersion1795640000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alert_user_state ADD COLUMN version bigint`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alert_user_state DROP COLUMN version`);
  }
}
