import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  AccessTokenClaims,
  accessTokenKey,
} from './access-token';

export const JWT_STRATEGY = 'jwt';

/** What the strategy hands the guard: the token's checked claims, not yet the user. */
export interface VerifiedAccessToken {
  id: string;
  jti: string;
  ver: number;
  expiresAt: Date;
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks the dashboard access token's signature and claims only. Passport keeps
 * strategies in one process-wide registry, so this must not hold app state (a
 * repository): the guard, which is per app, checks that the user still exists.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(config: AppConfig) {
    const key = accessTokenKey(config);
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject: jsonwebtoken accepts it although passport-jwt's types say string | Buffer.
      secretOrKeyProvider: (_request, _token, done) => done(null, key as unknown as Buffer),
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: ACCESS_TOKEN_ISSUER,
      audience: ACCESS_TOKEN_AUDIENCE,
    });
  }

  /**
   * A token without `jti` and `ver` (none is issued since sessions can end) could be neither
   * logged out nor ended by a password change: it is refused like a forged one.
   */
  validate(claims: Partial<AccessTokenClaims> & { exp?: unknown }): VerifiedAccessToken | false {
    const { sub, jti, ver, exp } = claims;
    if (typeof sub !== 'string' || !UUID.test(sub)) return false;
    if (typeof jti !== 'string' || !UUID.test(jti)) return false;
    if (!Number.isSafeInteger(ver) || (ver as number) < 0) return false;
    if (typeof exp !== 'number') return false;
    return { id: sub, jti, ver: ver as number, expiresAt: new Date(exp * 1000) };
  }
}
