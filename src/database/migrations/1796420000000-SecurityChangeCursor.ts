import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `projects.security_xid`: the transaction that last changed a project's widget security
 * state (version or deletion), set by a trigger so that no write path can forget it, and
 * indexed: the guard cache's re-check asks only for rows changed since its cursor
 * (SecurityStateService.securityChangesSince) instead of the version of every cached id.
 */
export class SecurityChangeCursor1796420000000 implements MigrationInterface {
  name = 'SecurityChangeCursor1796420000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "projects" ADD "security_xid" bigint NOT NULL DEFAULT '0'`,
    );
    await queryRunner.query(
      `CREATE INDEX "projects_security_xid_idx" ON "projects" ("security_xid")`,
    );
    await queryRunner.query(
      `CREATE FUNCTION projects_security_xid() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'INSERT'
            OR NEW.security_version IS DISTINCT FROM OLD.security_version
            OR NEW.deleted_at IS DISTINCT FROM OLD.deleted_at THEN
           NEW.security_xid := pg_current_xact_id()::text::bigint;
         END IF;
         RETURN NEW;
       END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER projects_security_xid BEFORE INSERT OR UPDATE ON "projects"
         FOR EACH ROW EXECUTE FUNCTION projects_security_xid()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER projects_security_xid ON "projects"`);
    await queryRunner.query(`DROP FUNCTION projects_security_xid()`);
    await queryRunner.query(`DROP INDEX "projects_security_xid_idx"`);
    await queryRunner.query(`ALTER TABLE "projects" DROP COLUMN "security_xid"`);
  }
}
