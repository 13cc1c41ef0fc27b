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

  validate(claims: Partial<AccessTokenClaims>): { id: string } | false {
    return typeof claims.sub === 'string' && UUID.test(claims.sub) ? { id: claims.sub } : false;
  }
}
