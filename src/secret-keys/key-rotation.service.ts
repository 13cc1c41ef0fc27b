import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { AppConfig } from '../config';
import { ProjectChanges } from '../database/project-changes';
import { projectNotFound, ProjectMembership } from '../projects/project-access';
import { RotatedSecretKeyResponse } from './secret-keys.dto';
import { SecretKeysService } from './secret-keys.service';

/**
 * Rotation moves a project to the next key epoch. Everything happens in one
 * transaction that holds the project row's lock, so concurrent rotations
 * serialize: N rotations raise the epoch by exactly N and the highest epoch's
 * key is the active one. The guard caches hear of it only after the commit.
 */
@Injectable()
export class KeyRotationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secretKeys: SecretKeysService,
    private readonly audit: AuditService,
    private readonly changes: ProjectChanges,
    private readonly config: AppConfig,
  ) {}

  async rotate(
    { projectId, actor }: ProjectMembership,
    gracePeriodSeconds: number,
  ): Promise<RotatedSecretKeyResponse> {
    const rotated = await this.dataSource.transaction(async (manager) => {
      const locked: { id: string; keyEpoch: number }[] = await manager.query(
        `SELECT id, key_epoch AS "keyEpoch" FROM projects
          WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`,
        [projectId],
      );
      if (locked.length === 0) throw projectNotFound();
      const { id } = locked[0];
      await this.checkRotationQuota(manager, id);
      const keyEpoch = locked[0].keyEpoch + 1;
      // Read the clock only once the lock is held, so serialized rotations get ordered times.
      const rotatedAt = new Date();
      // Only one previous key is kept: a new rotation replaces any grace still running.
      const previousKeyExpiresAt =
        gracePeriodSeconds > 0 ? new Date(rotatedAt.getTime() + gracePeriodSeconds * 1000) : null;

      const { secretKey } = await this.secretKeys.issueKey(manager, id, keyEpoch);
      // A fresh key is not exposed, whatever happened to the old one.
      await manager.query(
        `UPDATE projects
            SET key_epoch = $2, key_rotated_at = $3, previous_key_expires_at = $4,
                key_exposed_at = NULL, security_version = security_version + 1
          WHERE id = $1`,
        [id, keyEpoch, rotatedAt, previousKeyExpiresAt],
      );
      await this.audit.record(manager, {
        projectId: id,
        actor,
        action: 'widget.secret_key.rotated',
        details: { keyEpoch, gracePeriodSeconds },
      });
      await this.changes.record(manager, id);
      return { id, response: { secretKey, keyEpoch, rotatedAt, previousKeyExpiresAt } };
    });
    this.changes.publish(rotated.id);
    return rotated.response;
  }

  /**
   * API.md §7: MAX_ROTATIONS_PER_HOUR per project, counted from the audit log so that it holds
   * across instances. Called under the project row's lock: concurrent rotations serialize, and
   * each sees the rows of those committed before it.
   */
  private async checkRotationQuota(manager: EntityManager, projectId: string): Promise<void> {
    const max = this.config.maxRotationsPerHour;
    const [{ n }]: { n: number }[] = await manager.query(
      `SELECT count(*)::int AS n FROM audit_log
        WHERE project_id = $1 AND action = 'widget.secret_key.rotated'
          AND at > now() - interval '1 hour'`,
      [projectId],
    );
    if (n >= max) {
      throw new AppError(
        429,
        'quota_exceeded',
        `This project's secret key was rotated ${n} times in the last hour, the most MAX_ROTATIONS_PER_HOUR (${max}) allows; retry later.`,
      );
    }
  }
}
