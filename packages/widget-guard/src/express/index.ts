// The Express/Connect door of @hissuno/widget-guard: the guard as a middleware.
export { widgetGuard, widgetPreflight } from './widget-guard.middleware';
export type { WidgetGuardMiddlewareOptions, WidgetGuardRequest } from './widget-guard.middleware';
