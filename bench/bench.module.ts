import {
  CanActivate,
  Controller,
  Get,
  Injectable,
  Module,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../src/auth/public.decorator';
import { corsHeaders } from '@hissuno/widget-guard';
import { setWidgetHeaders } from '@hissuno/widget-guard/fastify';

type BenchRequest = FastifyRequest<{ Params: { projectId: string } }>;

const answer = (request: BenchRequest) => ({
  projectId: request.params.projectId,
  requireToken: false,
  identity: { verified: true, userId: 'user-1', userMetadata: { plan: 'pro' } },
});

/** Lets everything through, asynchronously like the widget guard: Nest's guard plumbing alone. */
@Injectable()
export class BenchNoopGuard implements CanActivate {
  async canActivate(): Promise<boolean> {
    return true;
  }
}

/**
 * The benchmark's baselines: the same answer as `GET /widget/:projectId/config` for a
 * verified caller, on the same app (adapter, hooks, security headers, CORS, global guard, filters),
 * without the widget guard; `config-cors` also sets the CORS headers an allowed widget
 * request gets, and `config-noop-guard` adds a guard that decides nothing: together they tell
 * the cost of the headers and of Nest's guard plumbing from the cost of the decision. Mounted
 * only by bench/server.ts.
 */
@Public()
@Controller('bench/:projectId')
export class BenchBaselineController {
  @Get('config')
  config(@Req() request: BenchRequest): object {
    return answer(request);
  }

  @Get('config-cors')
  configWithCors(
    @Req() request: BenchRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): object {
    const origin = request.headers.origin;
    setWidgetHeaders(reply, corsHeaders(typeof origin === 'string' ? origin : null));
    return answer(request);
  }

  @Get('config-noop-guard')
  @UseGuards(BenchNoopGuard)
  configWithNoopGuard(
    @Req() request: BenchRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): object {
    return this.configWithCors(request, reply);
  }
}

@Module({ controllers: [BenchBaselineController], providers: [BenchNoopGuard] })
export class BenchModule {}
