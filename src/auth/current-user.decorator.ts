import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** The dashboard user the access token names (set by the passport-jwt strategy). */
export interface AuthUser {
  id: string;
  email: string;
}

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const user = ctx.switchToHttp().getRequest<{ user?: AuthUser }>().user;
  // Only reachable on a public route by mistake: fail loudly rather than act as nobody.
  if (!user) throw new Error('@CurrentUser() used on a route without dashboard authentication');
  return user;
});
