import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { FastifyError, FastifyReply, FastifyRequest, LogController } from 'fastify';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { sendError, toAppError } from './common/api-exception.filter';
import { createLogger, NestPinoLogger } from './common/logging';
import { requestIdOf } from './common/request-id';
import { API_HEADERS, securityHeadersFor } from './common/security-headers';
import { AppConfig } from './config';
import { MetricsService } from './metrics/metrics.service';
import { buildOpenApiDocument } from './openapi/document';

export const API_PREFIX = 'api/v1';
/** Paths outside the versioned API: operations and browser artefacts. */
const UNPREFIXED = ['/', 'health', 'metrics', 'widget.js', 'dashboard', 'dashboard/:file'];
/** API.md §0: a body over 64 KiB is refused with 413. */
const BODY_LIMIT = 64 * 1024;

export interface CreateAppOptions {
  /** Where JSON logs go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
  /** More modules in the same app (the benchmark mounts its unguarded baseline route so). */
  imports?: NonNullable<DynamicModule['imports']>;
}

/** Widget API paths, whose CORS the admin configuration must neither answer nor decorate. */
export function isWidgetUrl(url: string | undefined): boolean {
  return typeof url === 'string' && url.toLowerCase().startsWith(`/${API_PREFIX}/widget/`);
}

/**
 * Fastify's `trustProxy` for TRUST_PROXY. Addresses/CIDRs go to proxy-addr as they are. A
 * hop count is a function: Fastify 5.12 treats a plain number as "trust nothing". With a hop
 * count the nearest N peers are believed whoever they are, which is right only when the
 * service is reachable through its proxies alone (README "Deploying behind a proxy").
 */
function fastifyTrustProxy(
  trust: AppConfig['trustProxy'],
): string[] | false | ((address: string, hop: number) => boolean) {
  if (trust === null) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust;
}

/** The first line of a boot: where a person finds the dashboard, the docs and the health check. */
export function startupBanner(address: string): string {
  const { port } = new URL(address);
  const base = `http://localhost:${port}`;
  return (
    `Hissuno settings API listening on port ${port}: dashboard ${base}/dashboard, ` +
    `API docs ${base}/docs, health check ${base}/health`
  );
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
    // TRUST_PROXY (API.md §7): request.ip, which every per-address limit keys on, comes from
    // X-Forwarded-For through these proxies only; never from an untrusted peer.
    trustProxy: fastifyTrustProxy(config.trustProxy),
    // Long ids must reach our handlers (→ 404 with the API body), not Fastify's 414. Under
    // routerOptions: the top-level option is deprecated (a warning at every boot).
    routerOptions: { maxParamLength: 1024 },
    requestIdHeader: false,
    // `__proto__` and `constructor` keys are valid JSON: parsed as plain own keys (JSON.parse
    // never sets a prototype), so that the validation pipe refuses them as unknown
    // properties (400 validation_failed), not Fastify as a parse error (invalid_json).
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    genReqId: requestIdOf,
    // One line per request is written by our onResponse hook instead.
    logController: new LogController({ disableRequestLogging: true }),
    // What Fastify refuses before routing (a malformed percent-encoding in the path) still
    // gets the API's error body and request id.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      reply.headers(API_HEADERS).header('X-Request-Id', request.id);
      sendError(reply, toAppError(error), request.id);
    },
  });
  const root = AppModule.withConfig(config);
  if (options.imports) root.imports = [...(root.imports ?? []), ...options.imports];
  const app = await NestFactory.create<NestFastifyApplication>(
    root,
    adapter,
    // No form or text parsers: the API reads JSON only (API.md §0); other types answer 415.
    { logger: new NestPinoLogger(logger), abortOnError: false, bodyParser: false },
  );
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED });

  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  const metrics = app.get(MetricsService);
  // Callback-style hooks: no promise and no extra microtask per request (a throw is handled
  // like a rejection).
  // Security headers by route class (HTML pages, the widget script, JSON), each set computed
  // once (src/common/security-headers.ts) where @fastify/helmet rebuilt helmet per request.
  const securityHeaders = securityHeadersFor();
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeaders(request.routeOptions.url)).header('X-Request-Id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
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
    done();
  });

  const adminCors = {
    origin: config.dashboardOrigins.length > 0 ? config.dashboardOrigins : false,
    credentials: false,
    // Every method of the admin API (API.md §7): @fastify/cors allows only GET, HEAD and POST
    // by default, so a dashboard on another origin could not PATCH settings or DELETE.
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  };
  // Admin API only: widget routes answer CORS (preflights included) per project, from the
  // widget guard's origin rules (src/widget-security/widget-preflight.controller.ts). Turned
  // off on each widget route once, as it is registered (by its pattern, so that a
  // percent-encoded path cannot slip past), with static options normalized once: a delegator
  // made @fastify/cors re-normalize its options on every request.
  fastify.addHook('onRoute', (route) => {
    // `config.cors === false` is @fastify/cors's own per-route switch (untyped by the plugin).
    if (isWidgetUrl(route.url)) route.config = { ...route.config, cors: false } as object;
  });
  app.enableCors(adminCors);

  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
