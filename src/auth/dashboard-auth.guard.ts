import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { InjectRepository } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { Repository } from 'typeorm';
import { ApiKeyAuthenticator } from '../api-keys/api-key-authenticator';
import { apiKeyFromAuthorization } from '../api-keys/api-key-format';
import type { ApiKeyPrincipal } from '../api-keys/api-key-principal';
import { AppError } from '../common/app-error';
import { clientAddress } from '../common/rate-limit';
import { PROJECT_API_KEYS } from '../projects/project-access';
import type { AccessTokenSession, AuthUser } from './current-user.decorator';
import { JWT_STRATEGY, VerifiedAccessToken } from './jwt.strategy';
import { IS_PUBLIC, WIDGET_ROUTE } from './public.decorator';
import { User } from './user.entity';

type DashboardRequest = FastifyRequest & {
  user?: AuthUser;
  apiKey?: ApiKeyPrincipal;
  accessTokenSession?: AccessTokenSession;
};

/**
 * The global guard (APP_GUARD): every route needs a valid dashboard access
 * token unless it is marked `@Public()`, or is a widget route, which carries
 * its own guard. A route nobody marked is therefore closed, never open.
 * A project API key (`Bearer hsk_…`) is a credential on `@ProjectAccess` routes only.
 */
@Injectable()
export class DashboardAuthGuard extends AuthGuard(JWT_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly apiKeys: ApiKeyAuthenticator,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    if (this.reflector.getAllAndOverride<boolean>(WIDGET_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<DashboardRequest>();
    const apiKey = apiKeyFromAuthorization(request.headers.authorization);
    if (apiKey !== null) {
      // API keys are credentials on the project routes only (API.md §9): elsewhere (/auth/*,
      // the project list and creation) a key is no credential at all. ProjectAccessGuard
      // then checks the key's project, the routes closed to keys and the role.
      if (this.reflector.getAllAndOverride<boolean>(PROJECT_API_KEYS, targets) === undefined) {
        throw unauthorized(true, false);
      }
      request.apiKey = await this.apiKeys.authenticate(apiKey, clientAddress(request));
      return true;
    }
    await super.canActivate(context);
    const token = request.user as unknown as VerifiedAccessToken;
    request.user = await this.liveUser(token);
    request.accessTokenSession = { jti: token.jti, expiresAt: token.expiresAt };
    return true;
  }

  /**
   * The token is genuine; its user must still exist, its `ver` must be the user's current
   * token version (a password change raises it) and its `jti` must not have been logged out.
   *
   * Why both a version and a list: a password change must end every session at once, which
   * one integer per user does without a list that grows; a logout ends one session only,
   * which needs its id, and that list stays small because an entry is useless after the
   * token's expiry (AUTH_TOKEN_TTL_SECONDS, at most one day). Both are read in the one
   * indexed query this guard already made to check the user exists, from the database
   * every instance shares, so a logout or a password change committed on one instance is
   * refused by every other at once: no per-instance cache that a notice must invalidate.
   */
  private async liveUser(token: VerifiedAccessToken): Promise<AuthUser> {
    const rows: { id: string; email: string; tokenVersion: number; revoked: boolean }[] =
      await this.users.query(
        `SELECT u.id, u.email, u.token_version AS "tokenVersion",
                EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = $2) AS revoked
           FROM users u WHERE u.id = $1`,
        [token.id, token.jti],
      );
    const user = rows[0];
    if (!user || user.revoked || user.tokenVersion !== token.ver) throw unauthorized(true, false);
    return { id: user.id, email: user.email };
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
