import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ProjectChanges } from '../database/project-changes';

/** A failed write is not retried for this long, whatever the flood of requests. */
const RETRY_AFTER_MS = 5_000;
const REMEMBERED = 10_000;

/**
 * Records that a widget request carried a project's CURRENT secret key (API.md §8): sets
 * `keyExposedAt` (the first exposure; the next rotation clears it), bumps the security
 * version and writes the audit entry `widget.secret_key.exposed`, in one transaction.
 *
 * Off the request path: `report` returns at once; the write runs in the background, at most
 * once per (project, key epoch) in this process, and the `key_exposed_at IS NULL` condition
 * makes it once across instances. The epoch condition keeps a report that arrives after a
 * rotation from marking the fresh key.
 */
@Injectable()
export class KeyExposureService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('KeyExposure');
  /** (project, epoch) → recorded (true) or the time before which no retry is made. */
  private readonly seen = new LRUCache<string, true | number>({ max: REMEMBERED });
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly changes: ProjectChanges,
  ) {}

  /** Never throws, never waits. */
  report(projectId: string, keyEpoch: number): void {
    const key = `${projectId}:${keyEpoch}`;
    const seen = this.seen.get(key);
    if (seen === true || (seen !== undefined && Date.now() < seen) || this.running.has(key)) {
      return;
    }
    const write = this.record(projectId, keyEpoch).then(
      () => {
        this.seen.set(key, true);
      },
      (error: unknown) => {
        this.seen.set(key, Date.now() + RETRY_AFTER_MS);
        this.logger.error({ err: error, projectId, keyEpoch }, 'could not record a key exposure');
      },
    );
    this.running.set(key, write);
    void write.finally(() => this.running.delete(key));
  }

  /** Resolves once every write started so far has ended (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  /** Before the pool closes: a running write finishes rather than fails. */
  beforeApplicationShutdown(): Promise<void> {
    return this.settled();
  }

  private async record(projectId: string, keyEpoch: number): Promise<void> {
    const recorded = await this.dataSource.transaction(async (manager) => {
      const [rows]: [{ id: string }[], number] = await manager.query(
        `UPDATE projects
            SET key_exposed_at = now(), security_version = security_version + 1
          WHERE id = $1 AND key_epoch = $2 AND key_exposed_at IS NULL AND deleted_at IS NULL
        RETURNING id`,
        [projectId, keyEpoch],
      );
      if (rows.length === 0) return false;
      // The epoch only: never the key, nor where the request came from.
      await this.audit.record(manager, {
        projectId,
        actor: null,
        action: 'widget.secret_key.exposed',
        details: { keyEpoch },
      });
      await this.changes.record(manager, projectId);
      return true;
    });
    if (recorded) {
      this.logger.warn({ projectId, keyEpoch }, 'a widget request carried the current secret key');
      this.changes.publish(projectId);
    }
  }
}
