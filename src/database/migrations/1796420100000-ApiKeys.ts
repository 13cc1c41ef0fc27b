import { MigrationInterface, QueryRunner } from 'typeorm';

/** API.md §9: project API keys (digest only), and the API key an audit entry was made with. */
export class ApiKeys1796420100000 implements MigrationInterface {
  name = 'ApiKeys1796420100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "project_id" uuid NOT NULL, "name" text NOT NULL, "role" text NOT NULL, "key_prefix" text NOT NULL, "key_digest" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, "created_by_user_id" uuid, "created_by_email" text, CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "api_keys_key_digest_key" ON "api_keys" ("key_digest")`,
    );
    await queryRunner.query(
      `CREATE INDEX "api_keys_project_created_idx" ON "api_keys" ("project_id", "created_at")`,
    );
    await queryRunner.query(
      `ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_project_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_fkey" FOREIGN KEY ("created_by_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "audit_log" ADD "actor_api_key_id" uuid`);
    await queryRunner.query(`ALTER TABLE "audit_log" ADD "actor_api_key_name" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "audit_log" DROP COLUMN "actor_api_key_name"`);
    await queryRunner.query(`ALTER TABLE "audit_log" DROP COLUMN "actor_api_key_id"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_created_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_project_fkey"`);
    await queryRunner.query(`DROP INDEX "api_keys_project_created_idx"`);
    await queryRunner.query(`DROP INDEX "api_keys_key_digest_key"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
  }
}
