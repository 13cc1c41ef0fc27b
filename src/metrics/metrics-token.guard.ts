import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../common/app-error';
import { AppConfig } from '../config';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * API.md §7: with METRICS_TOKEN set, GET /metrics needs `Authorization: Bearer <token>`;
 * without it the endpoint stays open (scraped from a private network). The comparison is of
 * fixed-length digests in constant time, so neither timing nor length tells the token.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(config: AppConfig) {
    this.expected = config.metricsToken === null ? null : digest(`Bearer ${config.metricsToken}`);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.expected === null) return true;
    const sent = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    if (typeof sent === 'string' && timingSafeEqual(digest(sent.trim()), this.expected)) {
      return true;
    }
    throw new AppError(
      401,
      'unauthorized',
      'Send the metrics token as "Authorization: Bearer <METRICS_TOKEN>".',
      undefined,
      { 'WWW-Authenticate': 'Bearer realm="metrics"' },
    );
  }
}
