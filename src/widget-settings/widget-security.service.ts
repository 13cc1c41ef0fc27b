import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppError, FieldError } from '../common/app-error';
import { ProjectChanges } from '../database/project-changes';
import { projectNotFound, ProjectMembership } from '../projects/project-access';
import { secretKeyHint } from '../secret-keys/secret-key-cipher';
import { normalizeAllowedOrigins } from '@hissuno/widget-guard';
import { UpdateWidgetSecurityDto, WidgetSecurityResponse } from './widget-security.dto';

interface SecurityRow {
  id: string;
  requireToken: boolean;
  allowedOrigins: string[];
  maxTokenLifetimeSeconds: number | null;
  keyEpoch: number;
  hint: string | null;
  keyRotatedAt: Date;
  previousKeyExpiresAt: Date | null;
  keyExposedAt: Date | null;
  securityUpdatedAt: Date;
}

/** What a PATCH changes, and what the audit shows before and after. */
type Settings = Pick<SecurityRow, 'requireToken' | 'allowedOrigins' | 'maxTokenLifetimeSeconds'>;

// The project row with the hint of its current key; `lock` adds FOR UPDATE OF p.
const SELECT_SECURITY = `
  SELECT p.id, p.require_token AS "requireToken", p.allowed_origins AS "allowedOrigins",
         p.max_token_lifetime_seconds AS "maxTokenLifetimeSeconds",
         p.key_epoch AS "keyEpoch", k.hint, p.key_rotated_at AS "keyRotatedAt",
         p.previous_key_expires_at AS "previousKeyExpiresAt", p.key_exposed_at AS "keyExposedAt",
         p.security_updated_at AS "securityUpdatedAt"
    FROM projects p
    LEFT JOIN secret_keys k ON k.project_id = p.id AND k.epoch = p.key_epoch
   WHERE p.id = $1 AND p.deleted_at IS NULL`;

/** Turns origin-policy errors into the API's per-index field errors. */
export function originFieldErrors(errors: { index: number; message: string }[]): FieldError[] {
  return errors.map(({ index, message }) => ({ field: `allowedOrigins[${index}]`, message }));
}

function sameSettings(a: Settings, b: Settings): boolean {
  return (
    a.requireToken === b.requireToken &&
    a.maxTokenLifetimeSeconds === b.maxTokenLifetimeSeconds &&
    a.allowedOrigins.length === b.allowedOrigins.length &&
    a.allowedOrigins.every((origin, i) => origin === b.allowedOrigins[i])
  );
}

function toResponse(row: SecurityRow): WidgetSecurityResponse {
  return {
    requireToken: row.requireToken,
    allowedOrigins: row.allowedOrigins,
    keyEpoch: row.keyEpoch,
    secretKeyHint: row.hint === null ? null : secretKeyHint(row.hint),
    keyRotatedAt: row.keyRotatedAt,
    previousKeyExpiresAt: row.previousKeyExpiresAt,
    maxTokenLifetimeSeconds: row.maxTokenLifetimeSeconds,
    keyExposedAt: row.keyExposedAt,
    updatedAt: row.securityUpdatedAt,
  };
}

@Injectable()
export class WidgetSecurityService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly changes: ProjectChanges,
  ) {}

  async get(projectId: string): Promise<WidgetSecurityResponse> {
    return toResponse(await this.read(this.dataSource.manager, projectId, false));
  }

  /**
   * Applies a partial update. A PATCH that changes nothing answers the current state
   * and writes nothing: no audit entry, no version bump, no change notice.
   */
  async update(
    { projectId, actor }: ProjectMembership,
    dto: UpdateWidgetSecurityDto,
  ): Promise<WidgetSecurityResponse> {
    let allowedOrigins: string[] | undefined;
    if (dto.allowedOrigins !== undefined) {
      const normalized = normalizeAllowedOrigins(dto.allowedOrigins);
      if (normalized.errors.length > 0)
        throw AppError.validation(originFieldErrors(normalized.errors));
      allowedOrigins = normalized.origins;
    }

    const result = await this.dataSource.transaction(async (manager) => {
      // Locked, so the audit's "before" is the state this change really replaces.
      const current = await this.read(manager, projectId, true);
      const before: Settings = {
        requireToken: current.requireToken,
        allowedOrigins: current.allowedOrigins,
        maxTokenLifetimeSeconds: current.maxTokenLifetimeSeconds,
      };
      const after: Settings = {
        requireToken: dto.requireToken ?? before.requireToken,
        allowedOrigins: allowedOrigins ?? before.allowedOrigins,
        // null is a value (no cap); only an absent field keeps the current one.
        maxTokenLifetimeSeconds:
          dto.maxTokenLifetimeSeconds === undefined
            ? before.maxTokenLifetimeSeconds
            : dto.maxTokenLifetimeSeconds,
      };
      if (sameSettings(before, after)) return { changed: false, row: current };

      const [updated]: [Pick<SecurityRow, 'securityUpdatedAt'>[], number] = await manager.query(
        `UPDATE projects
            SET require_token = $2, allowed_origins = $3::text[],
                max_token_lifetime_seconds = $4, security_updated_at = now(),
                security_version = security_version + 1
          WHERE id = $1
        RETURNING security_updated_at AS "securityUpdatedAt"`,
        [current.id, after.requireToken, after.allowedOrigins, after.maxTokenLifetimeSeconds],
      );
      await this.audit.record(manager, {
        projectId: current.id,
        actor,
        action: 'widget.security.updated',
        details: { before, after },
      });
      await this.changes.record(manager, current.id);
      return { changed: true, row: { ...current, ...after, ...updated[0] } };
    });
    if (result.changed) this.changes.publish(result.row.id);
    return toResponse(result.row);
  }

  private async read(
    manager: EntityManager,
    projectId: string,
    lock: boolean,
  ): Promise<SecurityRow> {
    const rows: SecurityRow[] = await manager.query(
      lock ? `${SELECT_SECURITY} FOR UPDATE OF p` : SELECT_SECURITY,
      [projectId],
    );
    if (rows.length === 0) throw projectNotFound();
    return rows[0];
  }
}
