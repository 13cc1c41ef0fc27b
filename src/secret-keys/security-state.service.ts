import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SecretKeyCipher } from './secret-key-cipher';
import {
  assembleSecurityState,
  ProjectSecurityState,
  RETIRED_KEYS_KEPT,
  SecurityRow,
} from './security-state';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type StateRow = SecurityRow & { epoch: number | null; ciphertext: Buffer | null };

/**
 * The database side of the widget guard's port: a project's whole security state
 * (settings and decrypted keys) for a cache miss, and a cheap version check for the
 * cache's periodic staleness re-check. Whatever it returns holds secrets: never log it.
 */
@Injectable()
export class SecurityStateService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretKeyCipher,
  ) {}

  /**
   * `null` for a malformed, unknown or deleted project. One SQL statement reads the
   * project row with its newest keys, so the row and the keys come from one snapshot
   * even while a rotation commits.
   */
  async loadSecurityState(projectId: string): Promise<ProjectSecurityState | null> {
    const state = (await this.loadSecurityStates([projectId])).get(projectId) ?? null;
    if (state instanceof Error) throw state;
    return state;
  }

  /**
   * Several projects' states in one statement (concurrent cache misses, coalesced by the
   * guard's cache): each id asked is a key, `null` when malformed, unknown or deleted, an
   * Error when that project's keys cannot be opened (the others are still answered).
   */
  async loadSecurityStates(
    projectIds: readonly string[],
  ): Promise<Map<string, ProjectSecurityState | null | Error>> {
    const found = new Map<string, ProjectSecurityState | null | Error>(
      projectIds.map((id) => [id, null]),
    );
    const ids = [...new Set(projectIds.filter((id) => UUID.test(id)))];
    if (ids.length === 0) return found;
    const rows: StateRow[] = await this.dataSource.query(
      `SELECT p.id, p.security_version AS "securityVersion", p.key_epoch AS "keyEpoch",
              p.require_token AS "requireToken", p.allowed_origins AS "allowedOrigins",
              p.max_token_lifetime_seconds AS "maxTokenLifetimeSeconds",
              p.key_exposed_at AS "keyExposedAt",
              p.previous_key_expires_at AS "previousKeyExpiresAt",
              k.epoch, k.ciphertext
         FROM projects p
         LEFT JOIN secret_keys k
           ON k.project_id = p.id AND k.epoch <= p.key_epoch AND k.epoch >= p.key_epoch - $2
        WHERE p.id = ANY($1::uuid[]) AND p.deleted_at IS NULL
        ORDER BY p.id, k.epoch DESC`,
      [ids, RETIRED_KEYS_KEPT + 1],
    );
    const byProject = new Map<string, StateRow[]>();
    for (const row of rows) {
      const list = byProject.get(row.id);
      if (list) list.push(row);
      else byProject.set(row.id, [row]);
    }
    const now = Date.now();
    for (const id of projectIds) {
      const projectRows = UUID.test(id) ? byProject.get(id.toLowerCase()) : undefined;
      if (!projectRows) continue;
      const row = projectRows[0];
      // The AAD binds the canonical id the key was sealed under, not the caller's spelling.
      const keys = projectRows.flatMap((r) =>
        r.epoch === null || r.ciphertext === null
          ? []
          : [{ epoch: r.epoch, open: () => this.cipher.open(r.ciphertext!, row.id, r.epoch!) }],
      );
      try {
        found.set(id, assembleSecurityState(row, keys, now));
      } catch (error) {
        found.set(id, error instanceof Error ? error : new Error(String(error)));
      }
    }
    return found;
  }

  /**
   * The current `securityVersion` of each live project among `projectIds`, keyed by its
   * canonical (lower-case) id; malformed, unknown and deleted ids are absent. One query.
   */
  async securityVersions(projectIds: readonly string[]): Promise<Map<string, number>> {
    const ids = [
      ...new Set(projectIds.filter((id) => UUID.test(id)).map((id) => id.toLowerCase())),
    ];
    if (ids.length === 0) return new Map();
    const rows: { id: string; version: number }[] = await this.dataSource.query(
      `SELECT id, security_version AS version FROM projects
        WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.version]));
  }

  /**
   * The projects whose security state changed since `cursor`, keyed by canonical id (the
   * version, or null once deleted), and the cursor for the next call. The cursor is the
   * oldest transaction still running when this statement's snapshot was taken
   * (`pg_snapshot_xmin`): every change by an older transaction is visible now, and every
   * change by a newer one carries a `security_xid` (set by a trigger, indexed) ≥ the cursor,
   * so it is in the next answer. One indexed statement, whatever the number of projects.
   */
  async securityChangesSince(
    cursor: string | null,
  ): Promise<{ cursor: string; changed: Map<string, number | null> }> {
    const rows: { xmin: string; id: string | null; version: number; deleted: boolean }[] =
      await this.dataSource.query(
        `SELECT s.xmin, p.id, p.security_version AS version, p.deleted_at IS NOT NULL AS deleted
           FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin) s
           LEFT JOIN projects p ON p.security_xid >= $1::bigint`,
        [cursor ?? '9223372036854775807'],
      );
    const changed = new Map<string, number | null>();
    for (const row of rows) {
      if (row.id !== null) changed.set(row.id, row.deleted ? null : row.version);
    }
    return { cursor: rows[0].xmin, changed };
  }
}
