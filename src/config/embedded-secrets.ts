import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/** AUTH_JWT_SECRET's floor, for the environment and the persisted file alike. */
export const MIN_JWT_SECRET_LENGTH = 32;

/** SECRETS_MASTER_KEY: 32 bytes, as 64 hex characters or base64; `null` when it is not that. */
export function decodeMasterKey(text: string): Buffer | null {
  const key = /^[0-9a-fA-F]{64}$/.test(text)
    ? Buffer.from(text, 'hex')
    : Buffer.from(text, 'base64');
  return key.length === 32 ? key : null;
}

export interface EmbeddedSecrets {
  authJwtSecret: string | null;
  secretsMasterKey: Buffer | null;
}

/**
 * Embedded mode keeps its own secrets in DATA_DIR, created once with mode 0600 (only
 * those the environment does not give). A file read back is held to the same rules as
 * the variable it stands for: an empty or truncated one (a crash mid-write, a full
 * disk) refuses the start, naming the file, instead of becoming a guessable key.
 */
export function embeddedSecrets(
  dataDir: string,
  need: { authJwtSecret: boolean; secretsMasterKey: boolean },
): EmbeddedSecrets {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const problems: string[] = [];
  let authJwtSecret: string | null = null;
  if (need.authJwtSecret) {
    const file = join(dataDir, 'auth-jwt-secret');
    authJwtSecret = keep(file, () => randomBytes(48).toString('base64url'));
    if (authJwtSecret.length < MIN_JWT_SECRET_LENGTH) {
      problems.push(
        `${file} is empty or truncated (${authJwtSecret.length} characters, at least ` +
          `${MIN_JWT_SECRET_LENGTH} needed): restore it from a backup, or delete it to have a ` +
          'new one generated (every dashboard user then logs in again)',
      );
    }
  }
  let secretsMasterKey: Buffer | null = null;
  if (need.secretsMasterKey) {
    const file = join(dataDir, 'secrets-master-key');
    secretsMasterKey = decodeMasterKey(keep(file, () => randomBytes(32).toString('hex')));
    if (!secretsMasterKey) {
      problems.push(
        `${file} is empty or truncated (32 bytes as 64 hex characters needed): restore it ` +
          'from a backup; deleting it makes every stored secret key unreadable',
      );
    }
  }
  if (problems.length > 0) {
    throw new Error(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return { authJwtSecret, secretsMasterKey };
}

/** The file's content (trimmed), written first by `make()` when the file does not exist. */
function keep(file: string, make: () => string): string {
  if (!existsSync(file)) writeOnce(file, make());
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

/**
 * Writes `content` to `file` atomically and durably: a temporary file in the same
 * folder, fsync, then put in place, then fsync the folder so the new name survives a
 * power loss. It is put in place by link(), which never replaces a file another
 * process created meanwhile (rename() would, losing the key it already used); rename()
 * only where the file system has no hard links.
 */
function writeOnce(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, file);
    unlinkSync(temporary);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      unlinkSync(temporary); // another process won the race: its file is the one to use
      return;
    }
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    renameSync(temporary, file);
  }
  syncFolder(join(file, '..'));
}

function syncFolder(folder: string): void {
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } catch (error) {
    // Some platforms cannot fsync a folder (EINVAL, EISDIR); the data itself is synced.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw error;
  } finally {
    closeSync(fd);
  }
}
