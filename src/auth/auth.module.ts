import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { RateLimitModule } from '../common/rate-limit';
import { AppConfig } from '../config';
import { jwtModuleOptions } from './access-token';
import { AccessTokenIssuer } from './access-token-issuer';
import { AccountSessionsController } from './account-sessions.controller';
import { AccountSessionsService } from './account-sessions.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { DashboardAuthGuard } from './dashboard-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { PasswordHasher } from './password-hasher';
import { SignupEnabledGuard } from './signup-enabled.guard';
import { User } from './user.entity';

/** Dashboard accounts, access tokens, and the global deny-by-default guard. */
@Module({
  imports: [
    TypeOrmModule.forFeature([User]),
    PassportModule,
    JwtModule.registerAsync({ inject: [AppConfig], useFactory: jwtModuleOptions }),
    RateLimitModule,
    ApiKeysModule,
  ],
  controllers: [AuthController, AccountSessionsController],
  providers: [
    AuthService,
    AccessTokenIssuer,
    AccountSessionsService,
    PasswordHasher,
    JwtStrategy,
    SignupEnabledGuard,
    { provide: APP_GUARD, useClass: DashboardAuthGuard },
  ],
})
export class AuthModule {}
