import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONSOLE_GUARD_LOGGER, type WidgetGuardLogger } from '../core/guard-logger';
import { corsHeaders, type WidgetDecision } from '../core/widget-access.decision';
import type { WidgetAccessService } from '../core/widget-access.service';
import { attachWidgetCaller } from '../core/widget-caller';
import { denialBody, reportDecision } from '../core/widget-http';
import type { WidgetRateLimiter } from '../core/widget-rate-limiter';
import type { WidgetAccessObserver } from '../core/widget-security-state';
import { setWidgetHeaders } from './widget-headers';

export interface WidgetGuardPluginOptions {
  /** The core, e.g. `createWidgetAccess({ stateSource })`, started by the app. */
  access: WidgetAccessService;
  /** Hears every decision (metrics); default: none. */
  observer?: WidgetAccessObserver;
  /** Counts every request to a known project; throw (e.g. a 429 error) to refuse. */
  rateLimiter?: WidgetRateLimiter<FastifyRequest>;
  /** Where the project id is; default: `request.params.projectId` (a `:projectId` route). */
  projectIdOf?: (request: FastifyRequest) => string | undefined;
  logger?: WidgetGuardLogger;
}

type WithProjectId = { params?: { projectId?: unknown } };

const paramProjectId = (request: FastifyRequest): string | undefined => {
  const id = (request as WithProjectId).params?.projectId;
  return typeof id === 'string' ? id : undefined;
};

/**
 * The widget guard (API.md §6: project → origin → token) as a Fastify plugin: every route of
 * the scope it is registered in is guarded (a preHandler, so after body parsing), and an
 * `OPTIONS` route of that scope answers the CORS preflight. A refusal is answered with the
 * widget API's status, `code` and headers; an allowed handler reads `widgetCallerOf(request)`.
 *
 *   app.register(async (widget) => {
 *     await widget.register(widgetGuardPlugin, { access });
 *     widget.get('/widget/:projectId/feedback', handler);
 *   });
 */
async function plugin(fastify: FastifyInstance, options: WidgetGuardPluginOptions): Promise<void> {
  const projectIdOf = options.projectIdOf ?? paramProjectId;
  const logger = options.logger ?? CONSOLE_GUARD_LOGGER;
  const { access } = options;

  async function preflight(request: FastifyRequest, reply: FastifyReply, projectId: string) {
    // Counted like guarded requests; a refused preflight carries only Vary, never an allowance.
    setWidgetHeaders(reply, { Vary: 'Origin' });
    const limiter = options.rateLimiter;
    await limiter?.admit(request);
    const decision = await access.preflight(
      { projectId, origin: request.headers.origin },
      limiter && ((id) => limiter.hit(request, id)),
    );
    setWidgetHeaders(reply, decision.headers);
    if (!decision.allowed) return reply.code(decision.status).send(denialBody(decision));
    return reply.code(204).send();
  }

  fastify.addHook('preHandler', async (request, reply) => {
    const projectId = projectIdOf(request);
    if (projectId === undefined) {
      throw new Error('widgetGuardPlugin guards routes with a :projectId parameter only.');
    }
    if (request.method === 'OPTIONS') return preflight(request, reply, projectId);
    const { origin, authorization } = request.headers;
    const limiter = options.rateLimiter;
    let decision: WidgetDecision;
    try {
      // As the Nest guard: counted before any lookup, then per project before the checks.
      await limiter?.admit(request);
      decision = await access.decide(
        { projectId, origin, authorization, body: request.body },
        limiter && ((id) => limiter.hit(request, id)),
      );
    } catch (refusal) {
      // Readable by the widget, like the 403: the same CORS headers, no token details.
      setWidgetHeaders(reply, corsHeaders(typeof origin === 'string' && origin ? origin : null));
      throw refusal;
    }
    setWidgetHeaders(reply, decision.headers);
    reportDecision(options.observer, decision, logger);
    if (!decision.allowed) return reply.code(decision.status).send(denialBody(decision));
    attachWidgetCaller(request, {
      projectId: decision.projectId,
      origin: decision.origin,
      requireToken: decision.requireToken,
      identity: decision.identity,
    });
  });
}

// Not encapsulated (as fastify-plugin would mark it): the hook applies to the scope it is
// registered in, so the app chooses which routes are widget routes by where it registers it.
export const widgetGuardPlugin = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'hissuno-widget-guard',
});
