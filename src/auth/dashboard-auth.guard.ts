import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error';
import type { AuthUser } from './current-user.decorator';
import { JWT_STRATEGY } from './jwt.strategy';
import { IS_PUBLIC, WIDGET_ROUTE } from './public.decorator';

/**
 * The global guard (APP_GUARD): every route needs a valid dashboard access
 * token unless it is marked `@Public()`, or is a widget route, which carries
 * its own guard. A route nobody marked is therefore closed, never open.
 */
@Injectable()
export class DashboardAuthGuard extends AuthGuard(JWT_STRATEGY) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    if (this.reflector.getAllAndOverride<boolean>(WIDGET_ROUTE, targets)) return true;
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<TUser = AuthUser>(
    error: unknown,
    user: TUser | false,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    // A store failure while looking the user up is the database's answer (503), not a 401.
    if (error) throw error;
    if (user) return user;
    const sentToken = Boolean(
      context.switchToHttp().getRequest<FastifyRequest>().headers.authorization,
    );
    const expired = (info as { name?: string } | undefined)?.name === 'TokenExpiredError';
    throw new AppError(
      401,
      'unauthorized',
      expired
        ? 'Your access token has expired; log in again.'
        : 'Send a valid access token as "Authorization: Bearer <accessToken>"; log in to get one.',
      undefined,
      {
        'WWW-Authenticate': sentToken
          ? 'Bearer realm="dashboard", error="invalid_token"'
          : 'Bearer realm="dashboard"',
      },
    );
  }
}
