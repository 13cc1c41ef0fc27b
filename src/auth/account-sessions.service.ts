import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { RateLimitService } from '../common/rate-limit';
import { AccessTokenIssuer } from './access-token-issuer';
import { AuthResponse, ChangePasswordBody } from './auth.dto';
import { LOGIN_FAILURES_LIMIT } from './auth.service';
import type { AccessTokenSession, AuthUser } from './current-user.decorator';
import { PasswordHasher } from './password-hasher';
import { User } from './user.entity';

/** API.md §1 "Sessions that can end": logout and password change. */
@Injectable()
export class AccountSessionsService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly passwords: PasswordHasher,
    private readonly tokens: AccessTokenIssuer,
    private readonly rateLimits: RateLimitService,
  ) {}

  /** Refuses this token from now on (the guard reads the list on every request). */
  async logOut(session: AccessTokenSession): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2)
         ON CONFLICT (jti) DO NOTHING`,
        [session.jti, session.expiresAt],
      );
      // Entries of expired tokens protect nothing: the list stays as small as the live ones.
      await manager.query(`DELETE FROM revoked_access_tokens WHERE expires_at < now()`);
    });
  }

  /**
   * Raises the user's token version with the new hash, so every token issued before (the
   * caller's included) is refused, and returns a fresh token. A wrong current password
   * counts as a failed login for the email, so a stolen token cannot guess it faster.
   */
  async changePassword(caller: AuthUser, body: ChangePasswordBody): Promise<AuthResponse> {
    const throttleKey = createHash('sha256').update(caller.email).digest('base64url');
    await this.rateLimits.consume(LOGIN_FAILURES_LIMIT, throttleKey);
    const user = await this.users.findOne({
      where: { id: caller.id },
      select: { id: true, passwordHash: true },
    });
    if (!user || !(await this.passwords.verify(user.passwordHash, body.currentPassword))) {
      throw new AppError(
        401,
        'invalid_credentials',
        'The current password is wrong; check it and retry.',
      );
    }
    await this.rateLimits.reset(LOGIN_FAILURES_LIMIT, throttleKey);
    const passwordHash = await this.passwords.hash(body.newPassword);
    // TypeORM answers a raw UPDATE … RETURNING as [rows, affected].
    const [updated] = (await this.users.query(
      `UPDATE users SET password_hash = $2, token_version = token_version + 1 WHERE id = $1
       RETURNING id, email, name, created_at AS "createdAt", token_version AS "tokenVersion"`,
      [caller.id, passwordHash],
    )) as [User[], number];
    if (updated.length === 0) {
      throw new AppError(401, 'unauthorized', 'Your account no longer exists; sign up again.');
    }
    return this.tokens.session(updated[0]);
  }
}
