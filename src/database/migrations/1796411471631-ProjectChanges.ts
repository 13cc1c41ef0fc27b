import { MigrationInterface, QueryRunner } from 'typeorm';

/** The durable, ordered feed of security-state changes behind the internal change stream. */
export class ProjectChanges1796411471631 implements MigrationInterface {
  name = 'ProjectChanges1796411471631';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "project_changes" ("seq" BIGSERIAL NOT NULL, "project_id" uuid NOT NULL, "version" integer NOT NULL, "deleted" boolean NOT NULL DEFAULT false, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "project_changes_pkey" PRIMARY KEY ("seq"))`,
    );
    await queryRunner.query(`CREATE INDEX "project_changes_at_idx" ON "project_changes" ("at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "project_changes_at_idx"`);
    await queryRunner.query(`DROP TABLE "project_changes"`);
  }
}
