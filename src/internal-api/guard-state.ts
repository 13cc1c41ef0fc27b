import type { ProjectSecurityState } from '../secret-keys/security-state';

/** The most ids one versions request may ask about (API.md §10). */
export const MAX_VERSION_IDS = 1000;

/**
 * A project's security state as the internal API sends it (API.md §10): what a remote state
 * source needs to judge widget requests itself. Holds secret keys in clear: sent only on the
 * internal listener, with Cache-Control: no-store, and never logged.
 */
export interface GuardStateDocument {
  projectId: string;
  version: number;
  keyEpoch: number;
  requireToken: boolean;
  allowedOrigins: readonly string[];
  maxTokenLifetimeSeconds: number | null;
  keys: {
    current: { epoch: number; secretKey: string };
    previous: { epoch: number; secretKey: string; expiresAt: string } | null;
    retired: { epoch: number; secretKey: string }[];
  };
}

export function toGuardStateDocument(state: ProjectSecurityState): GuardStateDocument {
  return {
    projectId: state.projectId,
    version: state.securityVersion,
    keyEpoch: state.keyEpoch,
    requireToken: state.requireToken,
    allowedOrigins: state.allowedOrigins,
    maxTokenLifetimeSeconds: state.maxTokenLifetimeSeconds,
    keys: {
      current: { epoch: state.current.epoch, secretKey: state.current.secret },
      previous: state.previous && {
        epoch: state.previous.epoch,
        secretKey: state.previous.secret,
        expiresAt: state.previous.expiresAt.toISOString(),
      },
      retired: state.retired.map((key) => ({ epoch: key.epoch, secretKey: key.secret })),
    },
  };
}

/**
 * The ids of `?ids=a,b` (also repeated `ids=`), or null when there are more than
 * MAX_VERSION_IDS. Empty items are skipped; malformed ids are kept (and answered absent).
 */
export function parseVersionIds(query: unknown): string[] | null {
  const raw = (query as { ids?: unknown } | undefined)?.ids;
  const parts = (Array.isArray(raw) ? raw : [raw]).filter((p) => typeof p === 'string');
  const ids = parts.flatMap((p: string) => p.split(',')).map((id) => id.trim());
  const present = ids.filter((id) => id !== '');
  return present.length > MAX_VERSION_IDS ? null : present;
}
