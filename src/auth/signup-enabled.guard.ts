import { CanActivate, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { AppConfig } from '../config';

/** SIGNUP_ENABLED=false closes signup before the body is even validated. */
@Injectable()
export class SignupEnabledGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(): boolean {
    if (this.config.signupEnabled) return true;
    throw new AppError(
      403,
      'signup_disabled',
      'Signup is switched off on this server; ask an administrator for an account.',
    );
  }
}
