import { Client } from 'pg';
import { SecretKeyCipher } from '../../src/secret-keys/secret-key-cipher';

/** How a write ended as the client saw it: answered 2xx, refused (4xx), or unknown. */
export type WriteOutcome = 'ok' | 'refused' | 'unknown';

/** What a storm of writes did, as its clients saw it. */
export interface WriteLog {
  /** Every rotation answered 200: the key and epoch it returned. */
  rotations: { projectId: string; keyEpoch: number; secretKey: string }[];
  /** Every settings change sent: each sets allowedOrigins to one origin of its own. */
  settings: { projectId: string; origin: string; outcome: WriteOutcome }[];
}

export const emptyWriteLog = (): WriteLog => ({ rotations: [], settings: [] });

/** Sorts an error (or a status) into a write outcome: 503 and a lost connection are unknown. */
export function outcomeOf(status: number | null): WriteOutcome {
  if (status !== null && status >= 200 && status < 300) return 'ok';
  if (status !== null && status >= 400 && status < 500) return 'refused';
  return 'unknown';
}

/** How many security changes (rotations and settings changes) are committed for the projects. */
export async function committedChanges(
  databaseUrl: string,
  schema: string,
  projectIds: readonly string[],
): Promise<number> {
  const client = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT COALESCE(SUM(security_version - 1), 0)::int AS n FROM projects WHERE id = ANY($1::uuid[])',
      [projectIds],
    );
    return rows[0].n;
  } finally {
    await client.end();
  }
}

interface ProjectRow {
  keyEpoch: number;
  securityVersion: number;
  allowedOrigins: string[];
}

interface AuditRow {
  action: string;
  details: {
    keyEpoch?: number;
    after?: { allowedOrigins?: string[] };
  };
}

/**
 * Checks, straight in the database, that nothing is half-written:
 *  - every epoch 1..key_epoch has exactly one stored key, and none lies beyond it (so the
 *    active key, the one of key_epoch, is the one of the highest epoch);
 *  - every key a rotation returned is stored under its epoch (decrypted and compared);
 *  - the audit log has exactly one entry per committed change: one `rotated` per epoch above 1,
 *    one `security.updated` per committed settings change, and security_version counts them;
 *  - every change answered 2xx is committed, none refused (4xx) is, and the stored settings
 *    are those of the last audited change.
 * Returns the list of violations (empty when consistent).
 */
export async function findInconsistencies(
  databaseUrl: string,
  schema: string,
  masterKey: Buffer,
  projectIds: readonly string[],
  log: WriteLog,
): Promise<string[]> {
  const cipher = new SecretKeyCipher(masterKey);
  const problems: string[] = [];
  const client = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    for (const projectId of projectIds) {
      const say = (problem: string) => problems.push(`project ${projectId}: ${problem}`);
      const project: ProjectRow = (
        await client.query(
          `SELECT key_epoch AS "keyEpoch", security_version AS "securityVersion",
                  allowed_origins AS "allowedOrigins" FROM projects WHERE id = $1`,
          [projectId],
        )
      ).rows[0];
      const keys: { epoch: number; ciphertext: Buffer }[] = (
        await client.query(
          'SELECT epoch, ciphertext FROM secret_keys WHERE project_id = $1 ORDER BY epoch',
          [projectId],
        )
      ).rows;
      const audit: AuditRow[] = (
        await client.query(
          'SELECT action, details FROM audit_log WHERE project_id = $1 ORDER BY seq',
          [projectId],
        )
      ).rows;

      const epochs = keys.map((k) => k.epoch);
      const expected = Array.from({ length: project.keyEpoch }, (_, i) => i + 1);
      if (JSON.stringify(epochs) !== JSON.stringify(expected)) {
        say(`stored key epochs ${JSON.stringify(epochs)}, expected 1..${project.keyEpoch}`);
      }

      const returned = log.rotations.filter((r) => r.projectId === projectId);
      if (new Set(returned.map((r) => r.keyEpoch)).size !== returned.length) {
        say('two rotation responses returned the same epoch');
      }
      for (const rotation of returned) {
        const row = keys.find((k) => k.epoch === rotation.keyEpoch);
        let stored: string | null = null;
        try {
          stored = row ? cipher.open(row.ciphertext, projectId, row.epoch) : null;
        } catch {
          stored = null;
        }
        if (stored !== rotation.secretKey) {
          say(`the key returned for epoch ${rotation.keyEpoch} is not the one stored under it`);
        }
      }

      const rotatedEpochs = audit
        .filter((a) => a.action === 'widget.secret_key.rotated')
        .map((a) => a.details.keyEpoch)
        .sort((x, y) => (x ?? 0) - (y ?? 0));
      if (JSON.stringify(rotatedEpochs) !== JSON.stringify(expected.slice(1))) {
        say(`rotation audit entries for epochs ${JSON.stringify(rotatedEpochs)}`);
      }

      const updates = audit.filter((a) => a.action === 'widget.security.updated');
      const audited = updates.map((a) => a.details.after?.allowedOrigins?.[0] ?? '');
      const sent = log.settings.filter((s) => s.projectId === projectId);
      if (new Set(audited).size !== audited.length) say('a settings change was audited twice');
      for (const change of sent) {
        const committed = audited.includes(change.origin);
        if (change.outcome === 'ok' && !committed) say(`answered change ${change.origin} is lost`);
        if (change.outcome === 'refused' && committed) say(`refused change ${change.origin} stuck`);
      }
      for (const origin of audited) {
        if (!sent.some((s) => s.origin === origin)) say(`audited change ${origin} was never sent`);
      }
      const last = audited.at(-1);
      if (last !== undefined && JSON.stringify(project.allowedOrigins) !== JSON.stringify([last])) {
        say(`stored origins ${JSON.stringify(project.allowedOrigins)}, last audited ${last}`);
      }
      const changes = rotatedEpochs.length + updates.length;
      if (project.securityVersion !== 1 + changes) {
        say(`security_version ${project.securityVersion} after ${changes} audited changes`);
      }
    }
  } finally {
    await client.end();
  }
  return problems;
}
