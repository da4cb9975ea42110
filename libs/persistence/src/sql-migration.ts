import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A migration that is only SQL: `up` runs its statements in order, `down` undoes them. TypeORM keys it by `name`,
 * whose last 13 digits are its timestamp, as with a hand-written class.
 */
export function sqlMigration(
  name: string,
  sql: { up: string[]; down: string[] },
): new () => MigrationInterface {
  return class implements MigrationInterface {
    readonly name = name;

    async up(runner: QueryRunner): Promise<void> {
      for (const statement of sql.up) await runner.query(statement);
    }

    async down(runner: QueryRunner): Promise<void> {
      for (const statement of sql.down) await runner.query(statement);
    }
  };
}
