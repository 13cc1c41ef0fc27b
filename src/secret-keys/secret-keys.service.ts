import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { projectNotFound, ProjectMembership } from '../projects/project-access';
import { SecretKey } from './secret-key.entity';
import { generateSecretKey, MASTER_KEY_VERSION, SecretKeyCipher } from './secret-key-cipher';
import { SecretKeyResponse } from './secret-keys.dto';

@Injectable()
export class SecretKeysService {
  constructor(
    private readonly cipher: SecretKeyCipher,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Creates and stores (encrypted) the key of `epoch`, inside the caller's
   * transaction. Returns the key in clear for the one response that shows it.
   */
  async issueKey(
    manager: EntityManager,
    projectId: string,
    epoch: number,
  ): Promise<SecretKey & { secretKey: string }> {
    const secretKey = generateSecretKey();
    const row = manager.create(SecretKey, {
      projectId,
      epoch,
      ciphertext: this.cipher.seal(secretKey, projectId, epoch),
      masterKeyVersion: MASTER_KEY_VERSION,
      hint: secretKey.slice(-4),
    });
    await manager.insert(SecretKey, row);
    return Object.assign(row, { secretKey });
  }

  /**
   * The current key in clear. The audit entry commits with the read: if it cannot
   * be written, the key is not shown.
   */
  async reveal({ projectId, actor }: ProjectMembership): Promise<SecretKeyResponse> {
    return this.dataSource.transaction(async (manager) => {
      const rows: { id: string; epoch: number; ciphertext: Buffer; createdAt: Date }[] =
        await manager.query(
          `SELECT p.id, k.epoch, k.ciphertext, k.created_at AS "createdAt"
             FROM projects p
             JOIN secret_keys k ON k.project_id = p.id AND k.epoch = p.key_epoch
            WHERE p.id = $1 AND p.deleted_at IS NULL`,
          [projectId],
        );
      if (rows.length === 0) throw projectNotFound();
      const { id, epoch, ciphertext, createdAt } = rows[0];
      const secretKey = this.cipher.open(ciphertext, id, epoch);
      await this.audit.record(manager, {
        projectId: id,
        actor,
        action: 'widget.secret_key.revealed',
        details: { keyEpoch: epoch },
      });
      return { secretKey, keyEpoch: epoch, createdAt };
    });
  }
}
