import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** The dashboard user the access token names (set by the passport-jwt strategy). */
export interface AuthUser {
  id: string;
  email: string;
}

/** The access token a dashboard request came with (what logout revokes). */
export interface AccessTokenSession {
  jti: string;
  expiresAt: Date;
}

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const user = ctx.switchToHttp().getRequest<{ user?: AuthUser }>().user;
  // Only reachable on a public route by mistake: fail loudly rather than act as nobody.
  if (!user) throw new Error('@CurrentUser() used on a route without dashboard authentication');
  return user;
});

export const CurrentSession = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AccessTokenSession => {
    const session = ctx
      .switchToHttp()
      .getRequest<{ accessTokenSession?: AccessTokenSession }>().accessTokenSession;
    if (!session) throw new Error('@CurrentSession() used on a route without an access token');
    return session;
  },
);
