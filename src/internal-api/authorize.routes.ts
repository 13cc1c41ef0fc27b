import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { maxHeaderSize } from 'node:http';
import { sendError } from '../common/api-exception.filter';
import { AppError } from '../common/app-error';
import { asciiJson, type GatewayAuthorizer } from './gateway-authorizer';
import { readGatewayRequest } from './gateway-request';
import { SERVICE_TOKEN_HEADER } from './service-tokens';
import { GUARD_PREFIX } from './state.routes';

const AUTHORIZE = `${GUARD_PREFIX}/authorize`;

/**
 * Bytes of the client's headers as the widget API would have received them: what the gateway
 * passed on, less the service token. The public listener refuses more than Node's limit with
 * 431, so authorize does too (this listener allows more, for long versions URLs).
 */
function clientHeaderBytes(request: FastifyRequest): number {
  const raw = request.raw.rawHeaders;
  let bytes = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() !== SERVICE_TOKEN_HEADER)
      bytes += raw[i].length + raw[i + 1].length + 4;
  }
  return bytes;
}

/**
 * Any method on …/authorize (and …/authorize/<client path>, as Envoy's ext_authz calls it):
 * the gateway decision of API.md §10. Allowed → 200 (204 for a preflight) without a body, with
 * the identity headers and the CORS headers; refused → the widget API's status, error body
 * and headers, plus X-Hissuno-Status, X-Hissuno-Code and X-Hissuno-Error-Body (the body as
 * ASCII JSON, for gateways that drop the body of an authorization answer, as nginx does).
 */
export function registerAuthorizeRoutes(
  server: FastifyInstance,
  authorizer: GatewayAuthorizer,
): void {
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const suffix = request.url.startsWith(`${AUTHORIZE}/`)
      ? request.url.slice(AUTHORIZE.length)
      : undefined;
    let answer;
    if (clientHeaderBytes(request) > maxHeaderSize) {
      const error = new AppError(
        431,
        'request_header_fields_too_large',
        'The request headers are too large; send shorter ones.',
      );
      answer = { status: 431, headers: {}, error };
    } else {
      const gateway = readGatewayRequest(request.headers, request.method, suffix, request.ip);
      answer = await authorizer.authorize(gateway);
    }
    // The guard's own headers, Vary included, exactly as the widget API sends them.
    reply.headers(answer.headers);
    if (answer.error === null) return reply.status(answer.status).send();
    const { error } = answer;
    const body = { statusCode: error.status, code: error.code, message: error.message };
    reply.headers({
      'X-Hissuno-Status': String(error.status),
      'X-Hissuno-Code': error.code,
      'X-Hissuno-Error-Body': asciiJson({ ...body, requestId: request.id }),
    });
    sendError(reply, error, request.id);
    return reply;
  };
  const config = { serviceTokenHeaderOnly: true };
  server.all(AUTHORIZE, { config }, handle);
  server.all(`${AUTHORIZE}/*`, { config }, handle);
}
