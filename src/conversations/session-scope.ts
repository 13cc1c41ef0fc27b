import { AppError } from '../common/app-error';
import { hasNul } from './conversation-identity';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The identity whose sessions a widget caller may reach. A verified caller reaches the
 * verified sessions of its userId. An anonymous caller naming a userId reaches the
 * unverified sessions of that userId. One naming nobody is an identity of its own
 * (API.md §6): it reaches, by id, only unverified sessions started with no userId, never
 * one started under a userId, and has no history to list.
 */
export type SessionOwner =
  { verified: true; userId: string } | { verified: false; userId: string | null };

/**
 * The sessions a caller may reach: every session of the project (dashboard members), or
 * only those of one identity (widget callers). The verified flag is part of the identity,
 * so an anonymous caller never reaches a verified session, whatever userId it names, and a
 * verified caller never reaches a client-claimed one. The key epoch is not: a token from a
 * rotated key with the same userId keeps its history.
 */
export interface SessionScope {
  projectId: string;
  owner: SessionOwner | null;
}

export function sessionNotFound(): AppError {
  return AppError.notFound(
    'session_not_found',
    'No such session in this project for this visitor; start a new session.',
  );
}

/** False when no stored session can be in the scope (nothing needs to be asked). */
export function scopeCanMatch(scope: SessionScope): boolean {
  return scope.owner?.userId == null || !hasNul(scope.owner.userId);
}

/** The scope as SQL conditions on `s` (chat_sessions); appends its values to `params`. */
export function scopeSql(scope: SessionScope, params: unknown[]): string {
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions = [`s.project_id = ${param(scope.projectId)}`];
  if (scope.owner) {
    conditions.push(`s.verified = ${param(scope.owner.verified)}`);
    // "No userId" is matched as such, not as "any userId".
    conditions.push(
      scope.owner.userId === null
        ? 's.user_id IS NULL'
        : `s.user_id = ${param(scope.owner.userId)}`,
    );
  }
  return conditions.join(' AND ');
}
