import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { InjectRepository } from '@nestjs/typeorm';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Repository } from 'typeorm';
import { AppConfig } from '../config';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  AccessTokenClaims,
  accessTokenKey,
} from './access-token';
import type { AuthUser } from './current-user.decorator';
import { User } from './user.entity';

export const JWT_STRATEGY = 'jwt';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks the dashboard access token, then that its user still exists. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    config: AppConfig,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {
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

  async validate(claims: Partial<AccessTokenClaims>): Promise<AuthUser | false> {
    if (typeof claims.sub !== 'string' || !UUID.test(claims.sub)) return false;
    const user = await this.users.findOne({
      where: { id: claims.sub },
      select: { id: true, email: true },
    });
    return user ? { id: user.id, email: user.email } : false;
  }
}
