import { AppError } from './app-error';

/** Unique constraints whose violation is a client conflict, not a server error. */
const UNIQUE_VIOLATIONS: Record<string, { code: string; message: string }> = {
  users_email_key: {
    code: 'email_taken',
    message: 'An account with this email already exists; log in instead.',
  },
  project_members_pkey: {
    code: 'already_member',
    message: 'This user is already a member of the project.',
  },
};

interface PgLikeError {
  code?: string;
  constraint?: string;
  driverError?: PgLikeError;
  message?: string;
}

/**
 * SQLSTATE classes and driver messages that mean "the database is not there", or
 * did not answer within DATABASE_STATEMENT_TIMEOUT_MS: 57014 is the server
 * cancelling at `statement_timeout`, "Query read timeout" the client giving up
 * (`query_timeout`) and closing that connection (database/timeout-closing-client.ts).
 */
function isUnavailable(err: PgLikeError): boolean {
  const code = err.code ?? '';
  if (/^(08|53|57P)/.test(code) || code === '57014') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED|Cannot use a pool after calling end|Connection is not established|DataSource is not initialized|Query read timeout|Client was closed and is not queryable/i.test(
    err.message ?? '',
  );
}

/** Maps a database error to the API's answer; `null` when it is a bug (→ 500). */
export function fromDatabaseError(error: unknown): AppError | null {
  if (typeof error !== 'object' || error === null) return null;
  const err = error as PgLikeError;
  const driver = err.driverError ?? err;
  if (driver.code === '23505' && driver.constraint) {
    const known = UNIQUE_VIOLATIONS[driver.constraint];
    if (known) return new AppError(409, known.code, known.message);
  }
  // U+0000 cannot be stored in PostgreSQL text: the client sent it, so it is the client's error.
  if (driver.code === '22021' || driver.code === '22P05') {
    return AppError.validation([{ field: '', message: 'text must not contain the NUL character' }]);
  }
  if (isUnavailable(driver) || isUnavailable(err)) return AppError.unavailable();
  return null;
}
