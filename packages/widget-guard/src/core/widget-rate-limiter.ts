/**
 * Optional abuse limit of widget requests, bound by the app with
 * `WidgetAccessModule.forRoot({ rateLimiter })` (this app: per client address and project,
 * RATE_LIMIT_WIDGET_PER_MINUTE). The guard counts every request to a known project, allowed
 * or refused; unknown ids are answered 404 from the cache and counted nowhere, so random ids
 * cannot fill the counters.
 */
export abstract class WidgetRateLimiter<TRequest = unknown> {
  /**
   * Counts one request of `projectId` (canonical). To refuse it, throw the app's own error
   * (e.g. 429 with Retry-After): the guard adds the widget CORS headers so the widget can read it.
   */
  abstract hit(request: TRequest, projectId: string): Promise<void>;
}
