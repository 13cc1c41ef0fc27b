import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import {
  RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { AppConfig } from '../../config';
import { AppError } from '../app-error';
import { MetricsService } from '../../metrics/metrics.service';
import { RATE_LIMIT_RULE_NAMES, RateLimitRule } from './rate-limit.rules';

const KEY_PREFIX = 'hissuno:rl:';
const REDIS_ERROR_LOG_INTERVAL_MS = 30_000;

/**
 * Counts hits per (rule, key) and refuses the ones over the limit with 429
 * `rate_limited` and `Retry-After`. Counters live in Redis when REDIS_URL is
 * set, so every instance shares them; otherwise in this process's memory.
 * When Redis is unreachable each instance falls back to its own memory
 * counters rather than failing requests or dropping the limits.
 */
@Injectable()
export class RateLimitService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RateLimitService.name);
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  private readonly redis: Redis | null;
  private lastRedisErrorLoggedAt = 0;
  /** `rate_limit_rejections_total` by rule name, bound once (no label lookup per refusal). */
  private readonly rejections = new Map<string, { inc(): void }>();

  constructor(
    private readonly config: AppConfig,
    @Optional() metrics?: MetricsService,
  ) {
    if (metrics) {
      const counter = new Counter({
        name: 'rate_limit_rejections_total',
        help: 'Requests refused with 429 rate_limited, by rate limit rule',
        labelNames: ['rule'],
        registers: [metrics.registry],
      });
      for (const name of RATE_LIMIT_RULE_NAMES) {
        const child = counter.labels({ rule: name.replace(/-/g, '_') });
        child.inc(0); // present at 0 from the start
        this.rejections.set(name, child);
      }
    }
    this.redis = config.redisUrl
      ? new Redis(config.redisUrl, {
          lazyConnect: true,
          // A command is never queued behind a dead connection: the memory fallback answers.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2000,
        })
      : null;
    this.redis?.on('error', (error: Error) => this.logRedisError(error));
  }

  async onModuleInit(): Promise<void> {
    // Start-up does not depend on Redis: ioredis keeps reconnecting in the background.
    await this.redis?.connect().catch((error: Error) => this.logRedisError(error));
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.redis) return;
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }

  /** Counts one hit of `key`; throws 429 `rate_limited` when it is over the rule's limit. */
  async consume(rule: RateLimitRule, key: string): Promise<void> {
    try {
      await this.limiterFor(rule).consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        this.rejections.get(rule.name)?.inc();
        throw tooManyRequests(rule, rejection.msBeforeNext);
      }
      // Not a refusal but a store failure the memory fallback could not absorb: fail closed.
      // Letting the request pass would switch the limit off for as long as the store fails,
      // which is when a flood is most likely (an unreachable Redis is absorbed above).
      this.logger.error({ err: rejection, rule: rule.name }, 'rate limit store failed');
      throw AppError.unavailable('The rate limit could not be checked; retry shortly.');
    }
  }

  /** Forgets every hit of `key` (e.g. failed logins, after a successful one). */
  async reset(rule: RateLimitRule, key: string): Promise<void> {
    try {
      await this.limiterFor(rule).delete(key);
    } catch (error) {
      this.logger.warn({ err: error, rule: rule.name }, 'rate limit store failed');
    }
  }

  private limiterFor(rule: RateLimitRule): RateLimiterAbstract {
    let limiter = this.limiters.get(rule.name);
    if (!limiter) {
      const options = {
        keyPrefix: `${KEY_PREFIX}${rule.name}`,
        points: rule.points(this.config),
        duration: rule.windowSeconds,
        blockDuration: rule.blockSeconds ?? 0,
      };
      const memory = new RateLimiterMemory(options);
      limiter = this.redis
        ? new RateLimiterRedis({
            ...options,
            storeClient: this.redis,
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
          })
        : memory;
      this.limiters.set(rule.name, limiter);
    }
    return limiter;
  }

  private logRedisError(error: Error): void {
    const now = Date.now();
    if (now - this.lastRedisErrorLoggedAt < REDIS_ERROR_LOG_INTERVAL_MS) return;
    this.lastRedisErrorLoggedAt = now;
    this.logger.warn(
      { err: { message: error.message } },
      'Redis is unreachable; rate limits are counted per instance until it is back',
    );
  }
}

function tooManyRequests(rule: RateLimitRule, msBeforeNext: number): AppError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new AppError(
    429,
    'rate_limited',
    `${rule.message ?? 'Too many requests'}; retry in ${seconds} s.`,
    undefined,
    { 'Retry-After': String(seconds) },
  );
}
