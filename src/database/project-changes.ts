import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** PostgreSQL channel carrying the id of a project whose security state changed. */
export const PROJECT_CHANGES_CHANNEL = 'hissuno_project_security';

/**
 * Serializes the writers of `project_changes` from their insert to their commit, so that
 * sequence order is commit order: a reader that has seen sequence N has seen every change
 * before it (a bigserial alone is allocated before commit, and commits may overtake).
 */
const CHANGE_ORDER_LOCK_KEY = 7_246_001;

/** Changes older than this, or more than this many behind the newest, are pruned. */
export const CHANGE_RETENTION = { maxAgeSeconds: 24 * 3600, maxRows: 100_000 } as const;
const PRUNE_INTERVAL_MS = 10 * 60_000;

export type ProjectChangeListener = (projectId: string) => void;

/**
 * Announces that a project's widget security state (settings, keys, creation, deletion)
 * changed, in two steps:
 *  - `record(manager, projectId)` inside the changing transaction, as its last statement:
 *    appends the change to `project_changes` (the durable, ordered feed of the internal
 *    change stream) and sends NOTIFY, which PostgreSQL delivers to other instances only if
 *    and when the transaction commits;
 *  - `publish(projectId)` after the commit: listeners in this process hear it at once.
 */
@Injectable()
export class ProjectChanges implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ProjectChanges.name);
  private readonly listeners = new Set<ProjectChangeListener>();
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    this.pruneTimer = setInterval(() => void this.pruneQuietly(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
  }

  /**
   * Appends the project's current version (as this transaction sees it) to the change feed.
   * Call it after the transaction's last write to the project: it holds a global lock until
   * commit, so it must be the last thing the transaction does.
   */
  async record(manager: EntityManager, projectId: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [CHANGE_ORDER_LOCK_KEY]);
    await manager.query(
      `INSERT INTO project_changes (project_id, version, deleted)
       SELECT id, security_version, deleted_at IS NOT NULL FROM projects WHERE id = $1`,
      [projectId],
    );
    await manager.query('SELECT pg_notify($1, $2)', [PROJECT_CHANGES_CHANNEL, projectId]);
  }

  /** After commit: tells this process's listeners (other instances heard the NOTIFY). */
  publish(projectId: string): void {
    for (const listener of this.listeners) {
      try {
        listener(projectId);
      } catch (error) {
        this.logger.warn({ err: error, projectId }, 'a project change listener failed');
      }
    }
  }

  /** Local (same-process) subscription; returns the unsubscribe function. */
  onChange(listener: ProjectChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Drops changes older than the retention or too far behind the newest, always keeping the
   * newest one, so that the oldest kept change marks how far back a stream can resume.
   */
  async prune(retention: { maxAgeSeconds: number; maxRows: number } = CHANGE_RETENTION) {
    const [, removed]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM project_changes
        WHERE seq < (SELECT max(seq) FROM project_changes)
          AND (at < now() - make_interval(secs => $1)
               OR seq <= (SELECT max(seq) FROM project_changes) - $2)`,
      [retention.maxAgeSeconds, retention.maxRows],
    );
    return removed;
  }

  private async pruneQuietly(): Promise<void> {
    try {
      await this.prune();
    } catch (error) {
      this.logger.warn({ err: error }, 'could not prune old project changes');
    }
  }
}
