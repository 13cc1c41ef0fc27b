import type { WidgetIdentity } from '../core/widget-access.decision';

interface StoredCaller {
  projectId: string;
  origin: string | null;
  requireToken: boolean;
  identity: WidgetIdentity;
}

// A property key only this module holds: nothing a client sends can put a caller there. (A
// symbol rather than a WeakMap keyed by the request: no ephemeron per request for the GC.)
const CALLER = Symbol('widgetCaller');

type CarriesCaller = { [CALLER]?: StoredCaller };

export function attachWidgetCaller(request: object, caller: StoredCaller): void {
  (request as CarriesCaller)[CALLER] = Object.freeze(caller);
}

export function widgetCallerOf(request: object): StoredCaller | undefined {
  return (request as CarriesCaller)[CALLER];
}
