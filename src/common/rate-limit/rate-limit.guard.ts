import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { clientAddress } from './client-address';
import { RateLimitRule } from './rate-limit.rules';
import { RateLimitService } from './rate-limit.service';

const RATE_LIMIT_RULE = 'rateLimit:rule';

/** Counts each request to a `@RateLimit(rule)` route against the rule's key. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly rateLimits: RateLimitService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<RateLimitRule | undefined>(RATE_LIMIT_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!rule) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    await this.rateLimits.consume(rule, (rule.key ?? clientAddress)(request));
    return true;
  }
}

/**
 * Limits a route (or every route of a controller) by `rule`. The module that
 * declares the controller must import `RateLimitModule`. Use it once per route.
 */
export const RateLimit = (rule: RateLimitRule): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(RATE_LIMIT_RULE, rule),
    UseGuards(RateLimitGuard),
    ApiTooManyRequestsResponse({
      description: '`rate_limited`: over the limit; retry after the `Retry-After` seconds.',
    }),
  );
