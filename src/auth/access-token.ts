import type { JwtModuleOptions } from '@nestjs/jwt';
import { createSecretKey, KeyObject } from 'node:crypto';
import type { AppConfig } from '../config';
import { MIN_JWT_SECRET_LENGTH } from '../config/embedded-secrets';

/** Dashboard access tokens: HS256 only, and only ours (issuer and audience pinned). */
export const ACCESS_TOKEN_ALGORITHM = 'HS256';
export const ACCESS_TOKEN_ISSUER = 'hissuno';
export const ACCESS_TOKEN_AUDIENCE = 'hissuno-dashboard';

/**
 * `jti` names this token (logout revokes it alone); `ver` is the user's token version
 * when it was issued (a password change raises the version, ending every older token).
 */
export interface AccessTokenClaims {
  sub: string;
  jti: string;
  ver: number;
}

/**
 * AUTH_JWT_SECRET as a KeyObject: jsonwebtoken turns a string secret into a
 * key on every call, which costs more than the HMAC itself. The length is checked
 * here too, where the key is used: an empty key would sign tokens anyone can forge.
 */
export function accessTokenKey(config: AppConfig): KeyObject {
  const secret = Buffer.from(config.authJwtSecret ?? '', 'utf8');
  if (secret.length < MIN_JWT_SECRET_LENGTH) {
    throw new Error(`the dashboard token key must be at least ${MIN_JWT_SECRET_LENGTH} bytes`);
  }
  return createSecretKey(secret);
}

export function jwtModuleOptions(config: AppConfig): JwtModuleOptions {
  return {
    secret: accessTokenKey(config),
    signOptions: {
      algorithm: ACCESS_TOKEN_ALGORITHM,
      expiresIn: config.authTokenTtlSeconds,
      issuer: ACCESS_TOKEN_ISSUER,
      audience: ACCESS_TOKEN_AUDIENCE,
    },
    verifyOptions: {
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: ACCESS_TOKEN_ISSUER,
      audience: ACCESS_TOKEN_AUDIENCE,
    },
  };
}
