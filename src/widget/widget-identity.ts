import { AppError } from '../common/app-error';
import {
  anonymousIdentity,
  ConversationIdentity,
  userIdErrors,
} from '../conversations/conversation-identity';
import type { SessionOwner, SessionScope } from '../conversations/session-scope';
import type { WidgetCaller } from '@hissuno/widget-guard/nest';

/**
 * The identity a widget request speaks for. With a verified token it is the token's, and
 * whatever the client sent is ignored (not even judged); without one it is what the client
 * names, held to the token's limits and marked unverified.
 */
export function callerIdentity(
  caller: WidgetCaller,
  clientUserId: unknown,
  clientMetadata: unknown,
): ConversationIdentity {
  const { identity } = caller;
  if (identity.verified && identity.userId !== null) {
    return {
      verified: true,
      userId: identity.userId,
      userMetadata: identity.userMetadata ? { ...identity.userMetadata } : null,
      keyEpoch: identity.keyEpoch,
    };
  }
  return anonymousIdentity(clientUserId, clientMetadata);
}

/** Whose sessions a widget caller may reach (see SessionOwner). */
export function callerOwner(caller: WidgetCaller, clientUserId: unknown): SessionOwner {
  const { identity } = caller;
  if (identity.verified && identity.userId !== null) {
    return { verified: true, userId: identity.userId };
  }
  const errors = userIdErrors(clientUserId);
  if (errors.length > 0) throw AppError.validation(errors);
  return { verified: false, userId: (clientUserId as string | null | undefined) ?? null };
}

/** The sessions a widget caller may reach: its identity's, in its project. */
export function callerScope(caller: WidgetCaller, clientUserId: unknown): SessionScope {
  return { projectId: caller.projectId, owner: callerOwner(caller, clientUserId) };
}
