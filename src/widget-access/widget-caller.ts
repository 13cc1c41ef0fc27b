import type { WidgetIdentity } from './widget-access.decision';

interface StoredCaller {
  projectId: string;
  origin: string | null;
  requireToken: boolean;
  identity: WidgetIdentity;
}

// Keyed by the request object: nothing a client sends can put a caller there.
const callers = new WeakMap<object, StoredCaller>();

export function attachWidgetCaller(request: object, caller: StoredCaller): void {
  callers.set(request, Object.freeze(caller));
}

export function widgetCallerOf(request: object): StoredCaller | undefined {
  return callers.get(request);
}
