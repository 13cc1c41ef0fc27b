import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { AuthUser } from '../auth/current-user.decorator';
import { decodeCursor, Page, PageQuery, toPage } from '../common/pagination';
import { AuditEntry } from './audit-entry.entity';
import { AuditEntryResponse } from './audit-log.dto';

/**
 * Who did it: a dashboard user (`userId`, `email`) or an API key (`apiKeyId`, `apiKeyName`,
 * the user fields null). Names and emails are kept as they were at the time.
 */
export interface AuditActor {
  userId: string | null;
  email: string | null;
  apiKeyId?: string | null;
  apiKeyName?: string | null;
}

/** The dashboard user as an audit actor. */
export function auditActor(user: AuthUser): AuditActor {
  return { userId: user.id, email: user.email, apiKeyId: null, apiKeyName: null };
}

export interface AuditRecord {
  projectId: string;
  actor: AuditActor | null;
  action: string;
  /** Never a secret: ids, names, roles, before/after values, epochs. */
  details?: Record<string, unknown>;
}

/** `seq` is a bigint: at most 18 digits keeps it inside PostgreSQL's int8. */
const isSeqCursor = (value: unknown): value is { seq: string } =>
  typeof value === 'object' &&
  value !== null &&
  /^\d{1,18}$/.test(String((value as { seq?: unknown }).seq));

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditEntry) private readonly entries: Repository<AuditEntry>) {}

  /** Appends an entry inside the caller's transaction, so it commits with the change. */
  async record(manager: EntityManager, record: AuditRecord): Promise<void> {
    await manager.insert(AuditEntry, {
      projectId: record.projectId,
      actorUserId: record.actor?.userId ?? null,
      actorEmail: record.actor?.email ?? null,
      actorApiKeyId: record.actor?.apiKeyId ?? null,
      actorApiKeyName: record.actor?.apiKeyName ?? null,
      action: record.action,
      // jsonb column: TypeORM types it as a deep partial; the value is plain JSON.
      details: (record.details ?? {}) as never,
    });
  }

  /** A project's entries, newest first (by `seq`: timestamps can tie). */
  async list(projectId: string, page: PageQuery): Promise<Page<AuditEntryResponse>> {
    const after = decodeCursor(page.cursor, isSeqCursor);
    const query = this.entries
      .createQueryBuilder('entry')
      .where('entry.projectId = :projectId', { projectId })
      .orderBy('entry.seq', 'DESC')
      .limit(page.limit + 1);
    if (after) query.andWhere('entry.seq < :seq', { seq: after.seq });
    const rows = await query.getMany();
    return toPage(rows, page.limit, AuditEntryResponse.of, (row) => ({ seq: row.seq }));
  }
}
