import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../../config';
import { AppError } from '../app-error';
import { RateLimitRule, WIDGET_RATE_LIMIT } from './rate-limit.rules';
import { RateLimitService } from './rate-limit.service';

const run = `${process.pid}-${Date.now()}`;
const rule = (name: string, points = 3): RateLimitRule => ({
  name: `${name}-${run}`,
  points: () => points,
  windowSeconds: 60,
});

async function start(redisUrl: string | null = null): Promise<RateLimitService> {
  const service = new RateLimitService({ redisUrl } as AppConfig);
  await service.onModuleInit();
  return service;
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe(RateLimitService.name, () => {
  describe('in memory', () => {
    let service: RateLimitService;
    beforeAll(async () => (service = await start()));
    afterAll(() => service.onApplicationShutdown());

    it('refuses the hit over the limit with 429 rate_limited and Retry-After', async () => {
      const limit = rule('memory');
      for (let i = 0; i < 3; i++) await service.consume(limit, 'a');
      const error = await refusal(service.consume(limit, 'a'));
      expect(error).toMatchObject({ status: 429, code: 'rate_limited' });
      const retryAfter = Number(error.headers?.['Retry-After']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    });

    it('counts each key on its own, and forgets a key on reset', async () => {
      const limit = rule('keys', 1);
      await service.consume(limit, 'a');
      await service.consume(limit, 'b');
      await refusal(service.consume(limit, 'a'));
      await service.reset(limit, 'a');
      await service.consume(limit, 'a');
    });
  });

  describe('with a block duration', () => {
    let service: RateLimitService;
    beforeEach(async () => {
      jest.useFakeTimers();
      service = await start();
    });
    afterEach(async () => {
      await service.onApplicationShutdown();
      jest.useRealTimers();
    });

    it('refuses a key over the limit for blockSeconds only, then counts it afresh', async () => {
      const limit: RateLimitRule = { ...rule('block', 3), windowSeconds: 900, blockSeconds: 60 };
      for (let i = 0; i < 3; i++) await service.consume(limit, 'a');
      const error = await refusal(service.consume(limit, 'a'));
      expect(Number(error.headers?.['Retry-After'])).toBe(60);
      jest.advanceTimersByTime(30_000);
      // Hits during the block do not lengthen it.
      expect(Number((await refusal(service.consume(limit, 'a'))).headers?.['Retry-After'])).toBe(
        30,
      );
      jest.advanceTimersByTime(30_001);
      for (let i = 0; i < 3; i++) await service.consume(limit, 'a');
      await refusal(service.consume(limit, 'a'));
    });
  });

  it('fails closed with 503 when the store fails otherwise than by refusing', async () => {
    const service = await start();
    const store = jest
      .spyOn(RateLimiterMemory.prototype, 'consume')
      .mockRejectedValueOnce(new Error('store corrupted'));
    try {
      const error = await refusal(service.consume(rule('broken'), 'a'));
      expect(error).toMatchObject({ status: 503, code: 'service_unavailable' });
      expect(error.headers?.['Retry-After']).toMatch(/^\d+$/);
      await service.consume(rule('broken'), 'a'); // the store works again: counted as usual
    } finally {
      store.mockRestore();
      await service.onApplicationShutdown();
    }
  });

  it('keys the widget limit by client address and project', () => {
    const request = (ip: string, projectId: string) =>
      ({ ip, params: { projectId } }) as unknown as FastifyRequest;
    const key = WIDGET_RATE_LIMIT.key!;
    const id = '0A1B2C3D-0000-4000-8000-000000000000';
    expect(key(request('10.0.0.1', id))).toBe(key(request('10.0.0.1', id.toLowerCase())));
    expect(key(request('10.0.0.1', id))).not.toBe(key(request('10.0.0.2', id)));
    expect(WIDGET_RATE_LIMIT.points({ rateLimitWidgetPerMinute: 7 } as AppConfig)).toBe(7);
  });

  it('still limits, per instance, when Redis is unreachable', async () => {
    const service = await start('redis://127.0.0.1:1');
    try {
      const limit = rule('down', 2);
      await service.consume(limit, 'a');
      await service.consume(limit, 'a');
      expect((await refusal(service.consume(limit, 'a'))).status).toBe(429);
    } finally {
      await service.onApplicationShutdown();
    }
  });

  const redisUrl = process.env.TEST_REDIS_URL;
  (redisUrl ? describe : describe.skip)('in Redis', () => {
    let one: RateLimitService;
    let two: RateLimitService;
    beforeAll(async () => {
      one = await start(redisUrl!);
      two = await start(redisUrl!);
    });
    afterAll(async () => {
      await one.onApplicationShutdown();
      await two.onApplicationShutdown();
    });

    it('shares the counters between instances, resets included', async () => {
      const limit = rule('shared', 4);
      for (let i = 0; i < 4; i++) await (i % 2 ? one : two).consume(limit, 'a');
      expect((await refusal(one.consume(limit, 'a'))).status).toBe(429);
      expect((await refusal(two.consume(limit, 'a'))).status).toBe(429);
      await two.reset(limit, 'a');
      await one.consume(limit, 'a');
    });
  });
});
