import { CanActivate, ExecutionContext, Injectable, Logger, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setWidgetHeaders } from '../fastify/widget-headers';
import { corsHeaders, type WidgetDecision } from '../core/widget-access.decision';
import { WidgetAccessException } from './widget-access.exception';
import { WidgetAccessService } from '../core/widget-access.service';
import { attachWidgetCaller } from '../core/widget-caller';
import { WidgetRateLimiter } from '../core/widget-rate-limiter';
import { WidgetAccessObserver } from '../core/widget-security-state';

/**
 * The widget guard (API.md §6), in this order:
 *   0. the optional rate limit of every request, before any lookup (429);
 *   1. project — unknown, deleted or malformed `:projectId` → 404 project_not_found;
 *      then the optional per-project rate limit (429), before any token work;
 *   2. origin  — a non-empty allow-list must match `Origin` → 403 origin_not_allowed;
 *   3. token   — `Authorization: Bearer <jwt>`: required when the project says so (401
 *      token_required), verified whenever sent (401 token_*).
 * Why this order: each answer reveals only what the caller may learn at that point. An
 * unknown id learns nothing about origins; a foreign site learns nothing about tokens (and
 * the 403 still carries CORS headers so the widget can read it and stay hidden); only an
 * allowed page gets to the token errors it can act on.
 *
 * The rules live in WidgetAccessService.decide; this class only carries HTTP in and out.
 */
@Injectable()
export class WidgetAccessGuard implements CanActivate {
  private readonly logger = new Logger('WidgetAccess');
  /** Whether the observer wants decision latencies (else the clock is not read). */
  private readonly timed: boolean;

  constructor(
    private readonly access: WidgetAccessService,
    @Optional() private readonly observer?: WidgetAccessObserver,
    @Optional() private readonly limiter?: WidgetRateLimiter,
  ) {
    this.timed = typeof observer?.decisionTimed === 'function';
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest<{ Params: { projectId?: string } }>>();
    const reply = http.getResponse<FastifyReply>();
    const projectId = request.params?.projectId;
    if (typeof projectId !== 'string') {
      throw new Error('@WidgetEndpoint() needs a route with a :projectId parameter.');
    }
    const { origin, authorization } = request.headers;
    const limiter = this.limiter;
    let decision: WidgetDecision;
    const startedAt = this.timed ? performance.now() : 0;
    try {
      // Counted before any lookup (random ids included), then per project before the checks.
      await limiter?.admit(request);
      // The body (parsed by now) is passed only to be looked into for leaked secret keys.
      decision = await this.access.decide(
        { projectId, origin, authorization, body: request.body },
        limiter && ((id) => limiter.hit(request, id)),
      );
    } catch (refusal) {
      // A rate-limit refusal is readable by the widget, like the 403: CORS headers, nothing else.
      setWidgetHeaders(reply, corsHeaders(typeof origin === 'string' && origin ? origin : null));
      throw refusal;
    }
    setWidgetHeaders(reply, decision.headers);
    try {
      if (this.timed) this.observer!.decisionTimed!((performance.now() - startedAt) / 1000);
      this.observer?.decided({
        projectId: decision.projectId,
        outcome: decision.allowed ? decision.outcome : decision.code,
        keyEpoch: decision.keyEpoch,
        ...(!decision.allowed && decision.currentKeyExposed ? { currentKeyExposed: true } : {}),
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'widget access observer failed');
    }
    if (!decision.allowed) throw new WidgetAccessException(decision);
    attachWidgetCaller(request, {
      projectId: decision.projectId,
      origin: decision.origin,
      requireToken: decision.requireToken,
      identity: decision.identity,
    });
    return true;
  }
}
