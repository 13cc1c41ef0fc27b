import { MigrationInterface, QueryRunner } from 'typeorm';

/** API.md §1 "Sessions that can end": a per-user token version and the logout list. */
export class SessionsThatEnd1796411437646 implements MigrationInterface {
  name = 'SessionsThatEnd1796411437646';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "token_version" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(
      `CREATE TABLE "revoked_access_tokens" ("jti" uuid NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "revoked_access_tokens_pkey" PRIMARY KEY ("jti"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "revoked_access_tokens_expires_at_idx" ON "revoked_access_tokens" ("expires_at")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "revoked_access_tokens_expires_at_idx"`);
    await queryRunner.query(`DROP TABLE "revoked_access_tokens"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "token_version"`);
  }
}
