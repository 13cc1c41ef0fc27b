import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { decodeCursor, Page, PageQuery, toPage } from '../common/pagination';
import { PROJECT_CHANGES_CHANNEL, ProjectChanges } from '../database/project-changes';
import type { ProjectMembership } from '../projects/project-access';
import { lockLiveProject } from '../projects/project-lock';
import { cursorTimeSql, isTimeCursor } from '../projects/time-cursor';
import { apiKeyDigest, generateApiKey, KEY_PREFIX_LENGTH } from './api-key-format';
import { ApiKey } from './api-key.entity';
import { ApiKeyResponse, CreateApiKeyBody, CreatedApiKeyResponse } from './api-keys.dto';

/** API.md §7 quotas: API keys per project (revoked and expired ones do not count). */
export const MAX_API_KEYS_PER_PROJECT = 25;
const DAY_MS = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function apiKeyNotFound(): AppError {
  return AppError.notFound(
    'api_key_not_found',
    'No such API key in this project (or it is already revoked); list the keys for their ids.',
  );
}

/** Create, list and revoke a project's API keys (users only: the routes refuse keys). */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly changes: ProjectChanges,
  ) {}

  async create(
    membership: ProjectMembership,
    body: CreateApiKeyBody,
  ): Promise<CreatedApiKeyResponse> {
    const { projectId, actor } = membership;
    const key = generateApiKey();
    const created = await this.dataSource.transaction(async (manager) => {
      // The project row's lock serializes creations, so the quota holds under concurrency.
      await lockLiveProject(manager, projectId, 'update');
      const [{ active }]: { active: number }[] = await manager.query(
        `SELECT count(*)::int AS active FROM api_keys
          WHERE project_id = $1 AND revoked_at IS NULL
            AND (expires_at IS NULL OR expires_at > now())`,
        [projectId],
      );
      if (active >= MAX_API_KEYS_PER_PROJECT) {
        throw new AppError(
          429,
          'quota_exceeded',
          `This project already has ${MAX_API_KEYS_PER_PROJECT} API keys, the limit; ` +
            'revoke one before creating another.',
        );
      }
      const days = body.expiresInDays ?? null;
      const row = await manager.save(
        manager.create(ApiKey, {
          projectId,
          name: body.name,
          role: body.role,
          keyPrefix: key.slice(0, KEY_PREFIX_LENGTH),
          keyDigest: apiKeyDigest(key),
          expiresAt: days === null ? null : new Date(Date.now() + days * DAY_MS),
          revokedAt: null,
          lastUsedAt: null,
          createdByUserId: actor.userId,
          createdByEmail: actor.email,
        }),
      );
      await this.audit.record(manager, {
        projectId,
        actor,
        action: 'api_key.created',
        details: { apiKeyId: row.id, name: row.name, role: row.role },
      });
      return row;
    });
    return { ...ApiKeyResponse.of(created), key };
  }

  /** The project's keys that are not revoked (expired ones included), newest first. */
  async list(projectId: string, page: PageQuery): Promise<Page<ApiKeyResponse>> {
    const after = decodeCursor(page.cursor, isTimeCursor);
    const rows: (ApiKey & { cursorAt: string })[] = await this.dataSource.query(
      `SELECT id, name, role, key_prefix AS "keyPrefix", created_at AS "createdAt",
              expires_at AS "expiresAt", last_used_at AS "lastUsedAt",
              created_by_user_id AS "createdByUserId", created_by_email AS "createdByEmail",
              ${cursorTimeSql('created_at')} AS "cursorAt"
         FROM api_keys
        WHERE project_id = $1 AND revoked_at IS NULL
          AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
        ORDER BY created_at DESC, id DESC
        LIMIT $4`,
      [projectId, after?.at ?? null, after?.id ?? null, page.limit + 1],
    );
    return toPage(rows, page.limit, ApiKeyResponse.of, (row) => ({
      at: row.cursorAt,
      id: row.id,
    }));
  }

  /** Revokes the key; every instance refuses it once it hears the project's change notice. */
  async revoke(membership: ProjectMembership, apiKeyId: string): Promise<void> {
    const { projectId, actor } = membership;
    if (!UUID.test(apiKeyId)) throw apiKeyNotFound();
    await this.dataSource.transaction(async (manager) => {
      const [revoked] = (await manager.query(
        `UPDATE api_keys SET revoked_at = now()
          WHERE id = $1 AND project_id = $2 AND revoked_at IS NULL
        RETURNING id, name, role`,
        [apiKeyId, projectId],
      )) as [{ id: string; name: string; role: string }[], number];
      if (revoked.length === 0) throw apiKeyNotFound();
      const { id, name, role } = revoked[0];
      await this.audit.record(manager, {
        projectId,
        actor,
        action: 'api_key.revoked',
        details: { apiKeyId: id, name, role },
      });
      // The project's change notice, delivered to other instances when (if) this commits.
      // Not `ProjectChanges.record`: the widget security state did not change, so the
      // durable change feed gets no entry; the notice only makes key caches drop the project.
      await manager.query('SELECT pg_notify($1, $2)', [PROJECT_CHANGES_CHANNEL, projectId]);
    });
    this.changes.publish(projectId); // this instance's key cache, at once
  }
}
