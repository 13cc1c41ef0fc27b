// The Nest door of @hissuno/widget-guard: the module, the guard and the route decorators.
// The port and the rules they use come from the core door, `@hissuno/widget-guard`.
export { WidgetAccessModule } from './widget-access.module';
export type { WidgetAccessModuleOptions } from './widget-access.options';
export { WidgetAccessGuard } from './widget-access.guard';
export { WidgetAccessException } from './widget-access.exception';
export {
  WIDGET_ROUTE,
  WidgetCaller,
  WidgetEndpoint,
  WidgetRoute,
} from './widget-endpoint.decorator';
