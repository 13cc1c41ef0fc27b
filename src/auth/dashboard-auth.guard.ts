import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { InjectRepository } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import type { AuthUser } from './current-user.decorator';
import { JWT_STRATEGY } from './jwt.strategy';
import { IS_PUBLIC, WIDGET_ROUTE } from './public.decorator';
import { User } from './user.entity';

/**
 * The global guard (APP_GUARD): every route needs a valid dashboard access
 * token unless it is marked `@Public()`, or is a widget route, which carries
 * its own guard. A route nobody marked is therefore closed, never open.
 */
@Injectable()
export class DashboardAuthGuard extends AuthGuard(JWT_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    if (this.reflector.getAllAndOverride<boolean>(WIDGET_ROUTE, targets)) return true;
    await super.canActivate(context);
    // The token is genuine; its user must still exist (looked up by this app, not the strategy).
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const user = await this.users.findOne({
      where: { id: request.user!.id },
      select: { id: true, email: true },
    });
    if (!user) throw unauthorized(true, false);
    request.user = { id: user.id, email: user.email };
    return true;
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
    throw unauthorized(
      sentToken,
      (info as { name?: string } | undefined)?.name === 'TokenExpiredError',
    );
  }
}

function unauthorized(sentToken: boolean, expired: boolean): AppError {
  return new AppError(
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
