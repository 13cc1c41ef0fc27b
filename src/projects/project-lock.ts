import { EntityManager } from 'typeorm';
import { projectNotFound } from './project-access';

/**
 * Locks a live (not deleted) project row for the rest of the transaction, or
 * answers 404 if it is gone. Writes lock it `FOR UPDATE` (rename, delete, and
 * the secret-key rotation); membership changes `FOR SHARE`, so they cannot
 * race a deletion, yet do not queue behind each other.
 */
export async function lockLiveProject(
  manager: EntityManager,
  projectId: string,
  mode: 'update' | 'share',
): Promise<{ id: string; name: string }> {
  const rows: { id: string; name: string }[] = await manager.query(
    `SELECT id, name FROM projects WHERE id = $1 AND deleted_at IS NULL
       ${mode === 'update' ? 'FOR UPDATE' : 'FOR SHARE'}`,
    [projectId],
  );
  if (rows.length === 0) throw projectNotFound();
  return rows[0];
}
