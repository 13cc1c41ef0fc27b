import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONSOLE_GUARD_LOGGER, type WidgetGuardLogger } from '../core/guard-logger';
import {
  corsHeaders,
  type WidgetDecision,
  type WidgetDenied,
} from '../core/widget-access.decision';
import type { WidgetAccessService } from '../core/widget-access.service';
import { attachWidgetCaller } from '../core/widget-caller';
import { denialBody, mergeVary, reportDecision } from '../core/widget-http';
import type { WidgetRateLimiter } from '../core/widget-rate-limiter';
import type { WidgetAccessObserver } from '../core/widget-security-state';

/** What Express (and Connect with a params router) hands a middleware. */
export type WidgetGuardRequest = IncomingMessage & {
  params?: Record<string, string | undefined>;
  body?: unknown;
};
type Next = (error?: unknown) => void;
type Middleware = (request: WidgetGuardRequest, response: ServerResponse, next: Next) => void;

export interface WidgetGuardMiddlewareOptions {
  /** The core, e.g. `createWidgetAccess({ stateSource })`, started by the app. */
  access: WidgetAccessService;
  /** Hears every decision (metrics); default: none. */
  observer?: WidgetAccessObserver;
  /** `admit` every request, `hit` each of a known project; throw to refuse (handed to `next`). */
  rateLimiter?: WidgetRateLimiter<WidgetGuardRequest>;
  /** Where the project id is; default: `request.params.projectId` (a `:projectId` route). */
  projectIdOf?: (request: WidgetGuardRequest) => string | undefined;
  logger?: WidgetGuardLogger;
}

const paramProjectId = (request: WidgetGuardRequest) => request.params?.projectId;

function setHeaders(response: ServerResponse, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (name !== 'Vary') {
      response.setHeader(name, value);
      continue;
    }
    const existing = response.getHeader('vary');
    const merged = mergeVary(existing === undefined ? undefined : String(existing), value);
    if (merged !== undefined) response.setHeader('Vary', merged);
  }
}

function sendDenial(response: ServerResponse, denied: WidgetDenied): void {
  response.statusCode = denied.status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(denialBody(denied)));
}

const header = (request: IncomingMessage, name: 'origin' | 'authorization') =>
  request.headers[name];

/**
 * The widget guard (API.md §6: project → origin → token) as an Express/Connect middleware.
 * A refusal is answered here with the widget API's status, `code` and headers; an allowed
 * request goes on with the caller attached (`widgetCallerOf(request)`). Put it after the
 * body parser: a body holding the project's secret key is refused (secret_key_exposed).
 */
export function widgetGuard(options: WidgetGuardMiddlewareOptions): Middleware {
  const projectIdOf = options.projectIdOf ?? paramProjectId;
  const logger = options.logger ?? CONSOLE_GUARD_LOGGER;
  const guard = async (request: WidgetGuardRequest, response: ServerResponse, next: Next) => {
    const projectId = projectIdOf(request);
    if (typeof projectId !== 'string') {
      throw new Error('widgetGuard() needs a route with a :projectId parameter.');
    }
    const origin = header(request, 'origin');
    const limiter = options.rateLimiter;
    let decision: WidgetDecision;
    try {
      // As the Nest guard: counted before any lookup, then per project before the checks.
      await limiter?.admit(request);
      decision = await options.access.decide(
        { projectId, origin, authorization: header(request, 'authorization'), body: request.body },
        limiter && ((id) => limiter.hit(request, id)),
      );
    } catch (refusal) {
      // Readable by the widget, like the 403: the same CORS headers, no token details.
      setHeaders(response, corsHeaders(typeof origin === 'string' && origin ? origin : null));
      return next(refusal);
    }
    setHeaders(response, decision.headers);
    reportDecision(options.observer, decision, logger);
    if (!decision.allowed) return sendDenial(response, decision);
    attachWidgetCaller(request, {
      projectId: decision.projectId,
      origin: decision.origin,
      requireToken: decision.requireToken,
      identity: decision.identity,
    });
    next();
  };
  return (request, response, next) => void guard(request, response, next).catch(next);
}

/**
 * Answers the CORS preflight (`OPTIONS`) of widget routes as the widget API does: project
 * and origin only (a preflight carries no token); 204 with the allowing headers, or the
 * refusal without them. Other methods pass through.
 */
export function widgetPreflight(
  options: Pick<WidgetGuardMiddlewareOptions, 'access' | 'projectIdOf' | 'rateLimiter'>,
): Middleware {
  const projectIdOf = options.projectIdOf ?? paramProjectId;
  const preflight = async (request: WidgetGuardRequest, response: ServerResponse, next: Next) => {
    const projectId = projectIdOf(request);
    if (request.method !== 'OPTIONS' || typeof projectId !== 'string') return next();
    // Counted like guarded requests; a refused preflight carries only Vary, never an allowance.
    setHeaders(response, { Vary: 'Origin' });
    const limiter = options.rateLimiter;
    await limiter?.admit(request);
    const decision = await options.access.preflight(
      { projectId, origin: header(request, 'origin') },
      limiter && ((id) => limiter.hit(request, id)),
    );
    setHeaders(response, decision.headers);
    if (!decision.allowed) return sendDenial(response, decision);
    response.statusCode = 204;
    response.end();
  };
  return (request, response, next) => void preflight(request, response, next).catch(next);
}
