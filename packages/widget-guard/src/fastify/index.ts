// The Fastify door of @hissuno/widget-guard.
export { setWidgetHeaders } from './widget-headers';
