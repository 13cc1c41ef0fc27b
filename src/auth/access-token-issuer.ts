import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config';
import { AccessTokenClaims } from './access-token';
import { AuthResponse, UserResponse } from './auth.dto';
import { User } from './user.entity';

/** The one place that issues dashboard access tokens (signup, login, password change). */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  /** `user.tokenVersion` must be the version just read or written with the user. */
  async session(user: User): Promise<AuthResponse> {
    // A user read without its version would get tokens that outlive a password change.
    if (!Number.isSafeInteger(user.tokenVersion)) throw new Error('user.tokenVersion not loaded');
    const claims: AccessTokenClaims = { sub: user.id, jti: randomUUID(), ver: user.tokenVersion };
    return {
      user: UserResponse.of(user),
      accessToken: await this.jwt.signAsync(claims),
      expiresIn: this.config.authTokenTtlSeconds,
    };
  }
}
