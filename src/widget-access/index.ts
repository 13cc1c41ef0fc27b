// The only door into widget-access: the app and other Nest apps import from here.
export { WidgetAccessModule } from './widget-access.module';
export type { WidgetAccessModuleOptions, WidgetCorsOptions } from './widget-access.options';
export { DEFAULT_WIDGET_CORS } from './widget-access.options';
export { WidgetAccessService } from './widget-access.service';
export type { WidgetPreflightDecision } from './widget-access.service';
export { WidgetAccessGuard } from './widget-access.guard';
export { WidgetAccessException } from './widget-access.exception';
export {
  WIDGET_ROUTE,
  WidgetCaller,
  WidgetEndpoint,
  WidgetRoute,
} from './widget-endpoint.decorator';
export { setWidgetHeaders } from './widget-headers';
export { WidgetRateLimiter } from './widget-rate-limiter';
export {
  NoopWidgetAccessObserver,
  WidgetAccessObserver,
  WidgetSecurityStateSource,
} from './widget-security-state';
export type {
  WidgetAccessEvent,
  WidgetOriginPolicy,
  WidgetSecurityState,
  WidgetStateChangeListener,
} from './widget-security-state';
export type {
  WidgetAccessInput,
  WidgetAllowed,
  WidgetCheck,
  WidgetDecision,
  WidgetDenialCode,
  WidgetDenied,
  WidgetIdentity,
} from './widget-access.decision';
export type {
  WidgetCheckTrace,
  WidgetDiagnosis,
  WidgetDiagnosisInput,
  WidgetTokenView,
} from './widget-access.diagnosis';
export { DEFAULT_SECURITY_CACHE_OPTIONS } from './security-cache';
export type { SecurityCacheOptions } from './security-cache';
export type { ProjectSigningKeys, SigningKey, VerifiedToken } from './token/token-verifier';
