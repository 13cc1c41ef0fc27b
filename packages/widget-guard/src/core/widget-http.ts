import type { WidgetGuardLogger } from './guard-logger';
import type { WidgetDecision, WidgetDenied } from './widget-access.decision';
import type { WidgetAccessObserver } from './widget-security-state';

// What every HTTP adapter does the same way, so that they answer alike: the refusal body,
// the Vary merge and the observer call. Adapters only carry these in and out.

/** The JSON body of a refusal, as the widget API writes it (API.md §0, less requestId). */
export interface WidgetDenialBody {
  statusCode: number;
  code: string;
  message: string;
}

export function denialBody(
  denied: Pick<WidgetDenied, 'status' | 'code' | 'message'>,
): WidgetDenialBody {
  return { statusCode: denied.status, code: denied.code, message: denied.message };
}

/**
 * The `Vary` value after adding `value` to what the response already has, or `undefined`
 * when nothing changes (already listed, or `*`).
 */
export function mergeVary(existing: string | undefined, value: string): string | undefined {
  if (existing === undefined || existing === '') return value;
  const present = existing.split(',').map((v) => v.trim().toLowerCase());
  if (present.includes(value.toLowerCase()) || present.includes('*')) return undefined;
  return `${existing}, ${value}`;
}

/** Tells the observer of a decision; an observer that throws is logged, never fatal. */
export function reportDecision(
  observer: WidgetAccessObserver | undefined,
  decision: WidgetDecision,
  logger: WidgetGuardLogger,
): void {
  if (!observer) return;
  try {
    observer.decided({
      projectId: decision.projectId,
      outcome: decision.allowed ? decision.outcome : decision.code,
      keyEpoch: decision.keyEpoch,
      ...(!decision.allowed && decision.currentKeyExposed ? { currentKeyExposed: true } : {}),
    });
  } catch (error) {
    logger.warn({ err: error }, 'widget access observer failed');
  }
}
