/**
 * The bench's floor: a bare NestJS-on-Fastify app answering `GET /api/v1/widget/:projectId/config`
 * with the same JSON as the service's guarded route, and nothing else (no guard, hooks, headers,
 * logs, metrics, rate limit or database). Run as a child of bench/run.ts like bench/server.ts,
 * answering the same `usage` and `close` commands.
 */
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';

@Controller('api/v1/widget/:projectId')
class BareController {
  @Get('config')
  config(@Param('projectId') projectId: string): object {
    return {
      projectId,
      requireToken: false,
      identity: { verified: true, userId: 'user-1', userMetadata: { plan: 'pro' } },
    };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const commands: Record<string, () => unknown> = {
    usage: () => ({
      cpuMicros: (({ user, system }) => user + system)(process.cpuUsage()),
      eventLoopActiveMs: performance.eventLoopUtilization().active,
      eventLoopIdleMs: performance.eventLoopUtilization().idle,
    }),
    close: async () => {
      await app.close();
      return null;
    },
  };
  process.on('message', (message: { id: number; command: string }) => {
    Promise.resolve()
      .then(() => commands[message.command]?.() ?? null)
      .then(
        (result) => process.send?.({ id: message.id, result }),
        (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
      );
  });
  process.once('disconnect', () => void app.close().finally(() => process.exit(0)));
  process.send?.({ ready: true, port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
