// The core door of @hissuno/widget-guard: framework-free rules, cache, token verifier and
// origin parser. Adapters: `@hissuno/widget-guard/nest`, `@hissuno/widget-guard/fastify`.
export { WidgetAccessService } from './core/widget-access.service';
export { createWidgetAccess } from './core/create-widget-access';
export { RemoteWidgetStateSource } from './core/remote-state-source';
export type { RemoteStateSourceOptions } from './core/remote-state-source';
export type { WidgetAccessOptions } from './core/create-widget-access';
export type { SecurityCacheObserver } from './core/security-cache.options';
export { denialBody, mergeVary, reportDecision } from './core/widget-http';
export type { WidgetDenialBody } from './core/widget-http';
export type { ProjectCounter, WidgetPreflightDecision } from './core/widget-access.service';
export { WidgetRateLimiter } from './core/widget-rate-limiter';
export {
  NoopWidgetAccessObserver,
  WidgetAccessObserver,
  WidgetSecurityStateSource,
} from './core/widget-security-state';
export type {
  WidgetAccessEvent,
  WidgetOriginPolicy,
  WidgetSecurityState,
  WidgetStateChangeListener,
  WidgetStateChanges,
} from './core/widget-security-state';
export { corsHeaders } from './core/widget-access.decision';
export type {
  WidgetAccessInput,
  WidgetAllowed,
  WidgetCheck,
  WidgetDecision,
  WidgetDenialCode,
  WidgetDenied,
  WidgetIdentity,
} from './core/widget-access.decision';
export type {
  WidgetCheckTrace,
  WidgetDiagnosis,
  WidgetDiagnosisInput,
  WidgetTokenView,
} from './core/widget-access.diagnosis';
export {
  DEFAULT_SECURITY_CACHE_OPTIONS,
  SecurityCache,
  SecurityStateUnavailableError,
} from './core/security-cache';
export type { CachedSecurity, SecurityCacheOptions } from './core/security-cache';
export type { ProjectSigningKeys, SigningKey, VerifiedToken } from './core/token/token-verifier';
export {
  MAX_ALLOWED_ORIGINS,
  MAX_ORIGIN_LENGTH,
  compileOriginPolicy,
  normalizeAllowedOrigins,
} from './core/origin-policy';
export type { OriginListError, OriginPolicy } from './core/origin-policy';
export { DEFAULT_WIDGET_CORS } from './core/widget-cors';
export type { WidgetCorsOptions } from './core/widget-cors';
export { CONSOLE_GUARD_LOGGER } from './core/guard-logger';
export type { WidgetGuardLogger } from './core/guard-logger';
export { attachWidgetCaller, widgetCallerOf } from './core/widget-caller';
export type { WidgetCallerInfo } from './core/widget-caller';
