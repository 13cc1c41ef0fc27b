import type { WidgetIdentity } from './widget-access.decision';

/** What the guard established about the caller of a widget route (every adapter attaches it). */
export interface WidgetCallerInfo {
  /** Canonical project id. */
  projectId: string;
  /** The request's Origin header, or null. */
  origin: string | null;
  /** The project's `requireToken` setting as the guard applied it. */
  requireToken: boolean;
  identity: WidgetIdentity;
}

// A property key only this module holds: nothing a client sends can put a caller there. (A
// symbol rather than a WeakMap keyed by the request: no ephemeron per request for the GC.)
const CALLER = Symbol('widgetCaller');

type CarriesCaller = { [CALLER]?: WidgetCallerInfo };

export function attachWidgetCaller(request: object, caller: WidgetCallerInfo): void {
  (request as CarriesCaller)[CALLER] = Object.freeze(caller);
}

export function widgetCallerOf(request: object): WidgetCallerInfo | undefined {
  return (request as CarriesCaller)[CALLER];
}
