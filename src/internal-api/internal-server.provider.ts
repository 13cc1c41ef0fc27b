import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { AppConfig } from '../config';
import { MetricsService } from '../metrics/metrics.service';
import { SecurityStateService } from '../secret-keys/security-state.service';
import { registerAuthorizeRoutes } from './authorize.routes';
import { ChangeFeed } from './change-feed';
import { GatewayAuthorizer } from './gateway-authorizer';
import { registerChangesRoute } from './changes.routes';
import { createInternalServer } from './internal-server';
import { ServiceTokens } from './service-tokens';
import { registerStateRoutes } from './state.routes';

/**
 * Runs the internal listener (API.md §10) beside the public one when INTERNAL_PORT is set,
 * bound to the same services (one process, one cache, one pool). It starts listening when
 * the app has started, and stops first when the app closes, before the services it uses.
 */
@Injectable()
export class InternalListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('InternalApi');
  private server: FastifyInstance | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
    private readonly states: SecurityStateService,
    private readonly feed: ChangeFeed,
    private readonly authorizer: GatewayAuthorizer,
  ) {}

  /** Where the listener is bound (`port` is the real one when INTERNAL_PORT=0), else null. */
  address(): { host: string; port: number } | null {
    const address = this.server?.server.address() as AddressInfo | null | undefined;
    return address ? { host: address.address, port: address.port } : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { internalPort, internalHost, internalApiTokens } = this.config;
    if (internalPort === null) return;
    const root = this.adapterHost.httpAdapter.getInstance<FastifyInstance>().log;
    const server = createInternalServer({
      tokens: new ServiceTokens(internalApiTokens),
      logger: root.child({}) as FastifyBaseLogger,
      metrics: this.metrics,
    });
    registerStateRoutes(server, this.states);
    registerChangesRoute(server, this.feed);
    registerAuthorizeRoutes(server, this.authorizer);
    await server.listen({ port: internalPort, host: internalHost });
    this.server = server;
    const bound = this.address();
    this.logger.log(`internal API listening on ${bound?.host}:${bound?.port}`);
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    this.server = null;
    // Open streams never end by themselves: end them, so that close() does not wait on them.
    this.feed.onModuleDestroy();
    await server?.close();
  }
}
