import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastify, { LogController } from 'fastify';
import { createServer } from 'node:http';
import { sendError, toAppError } from '../common/api-exception.filter';
import { AppError } from '../common/app-error';
import { requestIdOf } from '../common/request-id';
import type { MetricsService } from '../metrics/metrics.service';
import { serviceTokenRefused, ServiceTokens } from './service-tokens';

/** Room for a versions request of 1000 ids in its URL (Node's default is 16 KiB). */
const MAX_HEADER_BYTES = 64 * 1024;
const BODY_LIMIT = 64 * 1024;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** authorize: the service token only in X-Hissuno-Service-Token (Authorization is the client's). */
    serviceTokenHeaderOnly?: boolean;
  }
}

export interface InternalServerOptions {
  tokens: ServiceTokens;
  logger: FastifyBaseLogger;
  metrics: MetricsService;
}

/**
 * The internal listener's Fastify instance (API.md §10): its own server, so nothing of the
 * public API is reachable on it (and nothing of it on the public one). Every request — an
 * unknown path included — first needs a service token; the answers use the API.md §0 error
 * body and carry X-Request-Id, and each request is logged and measured like a public one.
 * Bodies are never read: authorize judges headers only.
 */
export function createInternalServer({
  tokens,
  logger,
  metrics,
}: InternalServerOptions): FastifyInstance {
  const server = fastify({
    loggerInstance: logger,
    serverFactory: (handler) => createServer({ maxHeaderSize: MAX_HEADER_BYTES }, handler),
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 1024 },
    requestIdHeader: false,
    genReqId: requestIdOf,
    // One line per request is written by the onResponse hook instead.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) =>
    done(null, undefined),
  );

  server.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    const headerOnly = request.routeOptions.config?.serviceTokenHeaderOnly === true;
    if (!tokens.acceptsRequest(request.headers, headerOnly)) {
      sendError(reply, serviceTokenRefused(), request.id);
      return;
    }
    done();
  });
  server.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.observe(
      { method: request.method, route, status: reply.statusCode },
      reply.elapsedTime / 1000,
    );
    // Never the body (a state document holds secret keys) nor any header.
    request.log.info(
      {
        listener: 'internal',
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
    done();
  });
  server.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    sendError(
      reply,
      new AppError(404, 'not_found', 'The internal API has no such route.'),
      request.id,
    );
  });
  server.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500 && appError.code === 'internal_error') {
      request.log.error({ err: error, requestId: request.id }, 'unhandled error');
    }
    sendError(reply, appError, request.id);
  });
  server.get('/metrics', async (_request, reply) => {
    reply.header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    return metrics.registry.metrics();
  });
  return server;
}
