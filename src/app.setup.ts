import helmet from '@fastify/helmet';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { LogController } from 'fastify';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { createLogger, NestPinoLogger } from './common/logging';
import { requestIdOf } from './common/request-id';
import { AppConfig } from './config';
import { MetricsService } from './metrics/metrics.service';

export const API_PREFIX = 'api/v1';
/** Paths outside the versioned API: operations and browser artefacts. */
const UNPREFIXED = ['health', 'metrics', 'widget.js', 'dashboard', 'dashboard/(.*)'];
/** API.md §0: a body over 64 KiB is refused with 413. */
const BODY_LIMIT = 64 * 1024;

export interface CreateAppOptions {
  /** Where JSON logs go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
}

/** Widget API paths, whose CORS the admin configuration must neither answer nor decorate. */
export function isWidgetUrl(url: string | undefined): boolean {
  return typeof url === 'string' && url.toLowerCase().startsWith(`/${API_PREFIX}/widget/`);
}

/** Builds the whole service on Fastify; main.ts and every e2e test use this. */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT,
    // Long ids must reach our handlers (→ 404 with the API body), not Fastify's 414.
    maxParamLength: 1024,
    requestIdHeader: false,
    genReqId: requestIdOf,
    // One line per request is written by our onResponse hook instead.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.withConfig(config),
    adapter,
    { logger: new NestPinoLogger(logger), abortOnError: false },
  );
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED });

  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.httpRequests.observe(
      { method: request.method, route, status: reply.statusCode },
      seconds,
    );
    request.log.info(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
      },
    },
    // The widget script and API are loaded cross-origin by customer sites.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  const adminCors = {
    origin: config.dashboardOrigins.length > 0 ? config.dashboardOrigins : false,
    credentials: false,
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  };
  // Admin API only: widget routes answer CORS (preflights included) per project, from the
  // widget guard's origin rules (src/widget-security/widget-preflight.controller.ts).
  app.enableCors({
    delegator: (request, callback) =>
      // The matched route's pattern, so that a percent-encoded path cannot slip past.
      callback(
        null,
        isWidgetUrl(request.routeOptions.url ?? request.url) ? { origin: false } : adminCors,
      ),
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Hissuno settings API')
      .setDescription(
        'Widget security settings, secret keys and the widget guard. Errors share one body: ' +
          '`{ statusCode, code, message, requestId, errors? }`.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
