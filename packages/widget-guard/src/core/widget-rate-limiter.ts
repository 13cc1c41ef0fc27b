/**
 * Optional abuse limits of widget requests, bound by the app with
 * `WidgetAccessModule.forRoot({ rateLimiter })`. The guard and the preflight call them in
 * this order, each before any work it would protect:
 *   1. `admit` — every request and preflight, before the project is even looked up, so a
 *      flood of random ids is refused without a database query each (this app: per client
 *      address, RATE_LIMIT_WIDGET_ANY_PER_MINUTE);
 *   2. `hit` — once the project is known, before its origin and token checks (no HMAC for a
 *      refused request; this app: per client address and project, RATE_LIMIT_WIDGET_PER_MINUTE).
 * To refuse, throw the app's own error (e.g. 429 with Retry-After): the guard adds the
 * widget CORS headers so the widget can read it.
 */
export abstract class WidgetRateLimiter<TRequest = unknown> {
  /** Counts one widget request or preflight, whatever its project (default: no limit). */
  admit(_request: TRequest): Promise<void> | void {}

  /** Counts one request of the known project `projectId` (canonical). */
  abstract hit(request: TRequest, projectId: string): Promise<void>;
}
