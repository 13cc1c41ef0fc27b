import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './app-error';
import { fromDatabaseError } from './database-errors';
import { redactSecretValues } from './logging';

const CODES_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

/**
 * Writes every error as the API.md §0 body. Known errors keep their code;
 * anything else is a generic 500 whose detail goes only to the log.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const error = toAppError(exception);
    if (error.status >= 500 && error.code === 'internal_error') {
      this.logger.error({ err: exception, requestId: request.id }, 'unhandled error');
    }
    sendError(reply, error, request.id);
  }
}

export function sendError(reply: FastifyReply, error: AppError, requestId: string): void {
  if (error.headers) reply.headers(error.headers);
  // A message may quote the request (an origin entry, say): never a secret key or a token.
  const errors = error.errors?.map((e) => ({ ...e, message: redactSecretValues(e.message) }));
  void reply.status(error.status).send({
    statusCode: error.status,
    code: error.code,
    message: redactSecretValues(error.message),
    requestId,
    ...(errors ? { errors } : {}),
  });
}

export function toAppError(exception: unknown): AppError {
  if (exception instanceof AppError) return exception;
  const fromDb = fromDatabaseError(exception);
  if (fromDb) return fromDb;
  // Nest wraps Fastify's own errors (body parsing, limits) in an HttpException.
  const fastify = ((exception as { cause?: unknown })?.cause ?? exception) as {
    statusCode?: number;
    code?: unknown;
  };
  if (typeof fastify?.code === 'string' && fastify.code.startsWith('FST_')) {
    return fromFastifyError(fastify.statusCode ?? 400, fastify.code);
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // Reusable modules (e.g. widget-access) throw HttpExceptions whose body names a code.
    const own = (exception.getResponse() as { code?: unknown }).code;
    const code =
      typeof own === 'string'
        ? own
        : (CODES_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'bad_request'));
    const headers = status === 429 ? { 'Retry-After': '60' } : undefined;
    return new AppError(status, code, httpMessage(exception), undefined, headers);
  }
  return new AppError(500, 'internal_error', 'Something went wrong on our side; retry later.');
}

/** Errors raised by Fastify before Nest routing (body parsing, limits). */
function fromFastifyError(status: number, code: string | undefined): AppError {
  if (status === 413 || code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new AppError(413, 'payload_too_large', 'The request body is over 64 KiB; send less.');
  }
  if (code === 'FST_ERR_BAD_URL') {
    return new AppError(400, 'bad_request', 'The URL is not validly percent-encoded; fix it.');
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new AppError(415, 'unsupported_media_type', 'Send the body as application/json.');
  }
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new AppError(
      400,
      'invalid_json',
      'The request body is not valid JSON; fix it and retry.',
    );
  }
  return new AppError(status, CODES_BY_STATUS[status] ?? 'bad_request', 'The request was refused.');
}

function httpMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'object' && response && 'message' in response) {
    const message = (response as { message: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return exception.message;
}
