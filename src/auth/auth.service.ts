import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { RateLimitRule, RateLimitService } from '../common/rate-limit';
import { AccessTokenIssuer } from './access-token-issuer';
import { AuthResponse, LoginBody, SignupBody, UserResponse } from './auth.dto';
import type { AuthUser } from './current-user.decorator';
import { PasswordHasher } from './password-hasher';
import { User } from './user.entity';

/**
 * API.md §1: at the latest after 20 failures within a minute, over a window of at
 * most 15 minutes; then the email is refused for 60 s and counts afresh, so that
 * nobody can keep an account locked for long by guessing its password. Counted per
 * email whatever the address, and for unknown emails too, so the throttle does not
 * reveal which accounts exist. Each attempt still counts toward the address's limit.
 */
export const LOGIN_FAILURES_LIMIT: RateLimitRule = {
  name: 'login-failures',
  points: () => 20,
  windowSeconds: 15 * 60,
  blockSeconds: 60,
  message: 'Too many failed logins for this email',
};

@Injectable()
export class AuthService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly passwords: PasswordHasher,
    private readonly tokens: AccessTokenIssuer,
    private readonly rateLimits: RateLimitService,
  ) {}

  async signUp(body: SignupBody): Promise<AuthResponse> {
    const passwordHash = await this.passwords.hash(body.password);
    // A taken email fails on users_email_key: 409 email_taken (common/database-errors.ts).
    const user = await this.users.save(
      this.users.create({ email: body.email, name: body.name || null, passwordHash }),
    );
    return this.session(user);
  }

  async logIn(body: LoginBody): Promise<AuthResponse> {
    // Every attempt is counted before the password is checked, so parallel
    // guesses cannot slip past the limit; a success clears the count, so only
    // failures remain counted.
    const throttleKey = createHash('sha256').update(body.email).digest('base64url');
    await this.rateLimits.consume(LOGIN_FAILURES_LIMIT, throttleKey);

    const user = await this.users.findOne({
      where: { email: body.email },
      select: {
        id: true,
        email: true,
        name: true,
        createdAt: true,
        passwordHash: true,
        tokenVersion: true,
      },
    });
    const valid = await this.passwords.verify(user?.passwordHash ?? null, body.password);
    if (!user || !valid) {
      throw new AppError(
        401,
        'invalid_credentials',
        'The email or the password is wrong; check both and retry.',
      );
    }
    await this.rateLimits.reset(LOGIN_FAILURES_LIMIT, throttleKey);
    if (this.passwords.needsRehash(user.passwordHash)) {
      await this.users.update(user.id, { passwordHash: await this.passwords.hash(body.password) });
    }
    return this.session(user);
  }

  async me(caller: AuthUser): Promise<UserResponse> {
    const user = await this.users.findOneBy({ id: caller.id });
    if (!user) {
      throw new AppError(401, 'unauthorized', 'Your account no longer exists; sign up again.');
    }
    return UserResponse.of(user);
  }

  private session(user: User): Promise<AuthResponse> {
    return this.tokens.session(user);
  }
}
