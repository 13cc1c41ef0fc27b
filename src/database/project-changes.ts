import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** PostgreSQL channel carrying the id of a project whose security state changed. */
export const PROJECT_CHANGES_CHANNEL = 'hissuno_project_security';

export type ProjectChangeListener = (projectId: string) => void;

/**
 * Announces that a project's widget security state (settings, keys, deletion)
 * changed. Call `publish` after the transaction has committed: listeners in
 * this process hear it at once, other instances through NOTIFY.
 */
@Injectable()
export class ProjectChanges {
  private readonly logger = new Logger(ProjectChanges.name);
  private readonly listeners = new Set<ProjectChangeListener>();

  constructor(private readonly dataSource: DataSource) {}

  async publish(projectId: string): Promise<void> {
    for (const listener of this.listeners) listener(projectId);
    try {
      await this.dataSource.query('SELECT pg_notify($1, $2)', [PROJECT_CHANGES_CHANNEL, projectId]);
    } catch (error) {
      // The change is committed; other instances catch up by their staleness re-check.
      this.logger.warn({ err: error, projectId }, 'could not publish a project change notice');
    }
  }

  /** Local (same-process) subscription; returns the unsubscribe function. */
  onChange(listener: ProjectChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
