import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditEntry } from './audit-entry.entity';

export interface AuditActor {
  userId: string;
  email: string;
}

export interface AuditRecord {
  projectId: string;
  actor: AuditActor | null;
  action: string;
  /** Never a secret: ids, names, roles, before/after values, epochs. */
  details?: Record<string, unknown>;
}

@Injectable()
export class AuditService {
  /** Appends an entry inside the caller's transaction, so it commits with the change. */
  async record(manager: EntityManager, record: AuditRecord): Promise<void> {
    await manager.insert(AuditEntry, {
      projectId: record.projectId,
      actorUserId: record.actor?.userId ?? null,
      actorEmail: record.actor?.email ?? null,
      action: record.action,
      // jsonb column: TypeORM types it as a deep partial; the value is plain JSON.
      details: (record.details ?? {}) as never,
    });
  }
}
