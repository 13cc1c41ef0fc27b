// The Fastify door of @hissuno/widget-guard: the guard as a plugin, and its header helper.
export { widgetGuardPlugin } from './widget-guard.plugin';
export type { WidgetGuardPluginOptions } from './widget-guard.plugin';
export { setWidgetHeaders } from './widget-headers';
