import { Controller, Options, Param, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WidgetAccessService, WidgetRateLimiter } from '@hissuno/widget-guard';
import { setWidgetHeaders } from '@hissuno/widget-guard/fastify';
import { WidgetAccessException, WidgetRoute } from '@hissuno/widget-guard/nest';

/**
 * CORS preflights of every widget route (API.md §6 CORS). The admin CORS of app.setup.ts
 * leaves `/api/v1/widget/` alone, so this is the only answer a widget preflight gets.
 */
@ApiTags('widget')
@Controller('widget/:projectId')
@WidgetRoute()
export class WidgetPreflightController {
  constructor(
    private readonly access: WidgetAccessService,
    private readonly limiter: WidgetRateLimiter,
  ) {}

  @Options('*')
  @ApiOperation({
    summary: 'CORS preflight of the widget API',
    description:
      'Checks the project and the origin only (a preflight carries no token). Allowed: 204 ' +
      'with Access-Control-Allow-Origin echoing the origin, Vary: Origin, Allow-Methods, ' +
      'Allow-Headers (Authorization, Content-Type) and Max-Age. Unknown project: 404 ' +
      'project_not_found; blocked origin: 403 origin_not_allowed; neither carries an ' +
      'allowing header. Preflights count toward the widget rate limits (429 rate_limited): ' +
      'RATE_LIMIT_WIDGET_ANY_PER_MINUTE per address before any lookup, then the per-project one.',
  })
  @ApiNoContentResponse({ description: 'The origin may call the widget API of this project.' })
  async preflight(
    @Param('projectId') projectId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Counted like the guarded routes: every preflight before any lookup, then per known
    // project. A refused preflight never allows the request, whatever it carries: only Vary.
    setWidgetHeaders(reply, { Vary: 'Origin' });
    await this.limiter.admit(request);
    const decision = await this.access.preflight(
      { projectId, origin: request.headers.origin },
      (id) => this.limiter.hit(request, id),
    );
    setWidgetHeaders(reply, decision.headers);
    if (!decision.allowed) throw new WidgetAccessException(decision);
    await reply.status(204).send();
  }
}
