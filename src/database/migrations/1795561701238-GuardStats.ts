import { MigrationInterface, QueryRunner } from 'typeorm';

/** Widget guard statistics (API.md §8): counts per project, minute, outcome and key epoch. */
export class GuardStats1795561701238 implements MigrationInterface {
  name = 'GuardStats1795561701238';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "widget_guard_stats" ("project_id" uuid NOT NULL, "bucket" TIMESTAMP WITH TIME ZONE NOT NULL, "outcome" character varying(64) NOT NULL, "key_epoch" integer NOT NULL, "count" bigint NOT NULL, "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "widget_guard_stats_pkey" PRIMARY KEY ("project_id", "bucket", "outcome", "key_epoch"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "widget_guard_stats_bucket_idx" ON "widget_guard_stats" ("bucket")`,
    );
    await queryRunner.query(
      `ALTER TABLE "widget_guard_stats" ADD CONSTRAINT "widget_guard_stats_project_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "widget_guard_stats" DROP CONSTRAINT "widget_guard_stats_project_fkey"`,
    );
    await queryRunner.query(`DROP INDEX "widget_guard_stats_bucket_idx"`);
    await queryRunner.query(`DROP TABLE "widget_guard_stats"`);
  }
}
