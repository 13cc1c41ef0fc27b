import type { OpenAPIObject } from '@nestjs/swagger';
import { errorsOf, WIDGET_TOKEN_CODES } from './error-catalogue';
import { EXAMPLES } from './examples';

/* eslint-disable @typescript-eslint/no-explicit-any -- a JSON document walked generically */
type Json = Record<string, any>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad request: a malformed path, body or parameter.',
  401: 'Not authenticated.',
  403: 'Not allowed.',
  404: 'Not found (or not visible to the caller).',
  409: 'Conflict with the current state.',
  413: 'The body is over 64 KiB.',
  415: 'The body is not application/json.',
  429: 'Too many requests, or a quota reached; retry after `Retry-After` seconds.',
  503: 'The database is unreachable; retry after `Retry-After` seconds. Nothing was written.',
};

const COMPONENTS: Json = {
  schemas: {
    FieldError: {
      type: 'object',
      required: ['field', 'message'],
      additionalProperties: false,
      properties: {
        field: {
          type: 'string',
          description: 'The property path: `password`, `allowedOrigins[1]`.',
        },
        message: { type: 'string' },
      },
    },
    ErrorBody: {
      type: 'object',
      description: 'Every error answer (API.md §0).',
      required: ['statusCode', 'code', 'message', 'requestId'],
      additionalProperties: false,
      properties: {
        statusCode: { type: 'integer', minimum: 400, maximum: 599 },
        code: { type: 'string', description: 'Machine-readable; each operation lists its own.' },
        message: { type: 'string', description: 'A sentence saying what to do.' },
        requestId: { type: 'string', description: 'As the `X-Request-Id` header.' },
        errors: {
          type: 'array',
          description: 'With `validation_failed`: one entry per invalid field.',
          items: { $ref: '#/components/schemas/FieldError' },
        },
      },
    },
  },
  headers: {
    RequestId: {
      description: "The request's id: the caller's `X-Request-Id` when sane, else generated.",
      schema: { type: 'string' },
    },
    RetryAfter: { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
    WwwAuthenticate: {
      description:
        '`Bearer error="invalid_token"`, or `Bearer realm=…` alone for `token_required`.',
      schema: { type: 'string' },
    },
  },
  securitySchemes: {
    bearer: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'A dashboard access token from `POST /auth/signup` or `POST /auth/login`.',
    },
    widgetToken: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        "A widget token: HS256, signed by the customer's backend with the project's secret key " +
        '(claims `userId`, `userMetadata`, `exp`). Optional unless the project requires it.',
    },
  },
};

/** OpenAPI 3.0's `nullable` → JSON Schema 2020-12 (OpenAPI 3.1), which validators read as is. */
function withoutNullable(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutNullable);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) out[key] = withoutNullable(value);
  if (out.nullable !== true) return out;
  delete out.nullable;
  const ref = out.$ref ? { $ref: out.$ref } : out.allOf?.length === 1 ? out.allOf[0] : null;
  if (ref) {
    const { description, example } = out;
    return { anyOf: [ref, { type: 'null' }], description, example };
  }
  if (typeof out.type === 'string') out.type = [out.type, 'null'];
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  return out;
}

/** The operation's security requirements once each (decorators may repeat one). */
function uniqueRequirements(security: Json[]): Json[] {
  const seen = new Set<string>();
  return security.filter((requirement) => {
    const key = JSON.stringify(requirement);
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

function errorResponse(status: number, codes: string[], existing: Json | undefined): Json {
  const headers: Json = { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } };
  if (status === 429 || status === 503) {
    headers['Retry-After'] = { $ref: '#/components/headers/RetryAfter' };
  }
  if (status === 401 && codes.some((code) => WIDGET_TOKEN_CODES.includes(code))) {
    headers['WWW-Authenticate'] = { $ref: '#/components/headers/WwwAuthenticate' };
  }
  const schema = {
    allOf: [
      { $ref: '#/components/schemas/ErrorBody' },
      { type: 'object', properties: { statusCode: { const: status }, code: { enum: codes } } },
    ],
  };
  const description = existing?.description ?? ERROR_DESCRIPTIONS[status] ?? 'Error.';
  return { description, headers, content: { 'application/json': { schema } } };
}

const PAGE_PARAMETERS = [
  {
    name: 'limit',
    in: 'query',
    required: false,
    description: 'Page size.',
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
  },
  {
    name: 'cursor',
    in: 'query',
    required: false,
    description: 'The `nextCursor` of the previous page (opaque).',
    schema: { type: 'string' },
  },
];

function completeOperation(method: string, path: string, op: Json): void {
  const params: Json[] = (op.parameters ??= []);
  const okSchema = op.responses?.['200']?.content?.['application/json']?.schema;
  if (method === 'get' && typeof okSchema?.$ref === 'string' && okSchema.$ref.endsWith('Page')) {
    for (const param of PAGE_PARAMETERS) {
      if (!params.some((p) => p.name === param.name && p.in === 'query')) params.push(param);
    }
  }
  for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
    if (!params.some((p) => p.name === name && p.in === 'path')) {
      params.push({ name, in: 'path', required: true, schema: { type: 'string' } });
    }
  }
  // Header parameters the security schemes describe already.
  op.parameters = params.filter((p) => !(p.in === 'header' && p.name === 'Authorization'));

  const widget = path.startsWith('/api/v1/widget/');
  const protectedOp = Array.isArray(op.security) && op.security.length > 0 && !widget;
  if (widget && method !== 'options') op.security = [{}, { widgetToken: [] }];
  else if (protectedOp) op.security = uniqueRequirements(op.security);
  else op.security = [];

  const errors = errorsOf({
    method: method.toUpperCase(),
    path,
    hasBody: Boolean(op.requestBody),
    hasParams: op.parameters.some((p: Json) => p.in === 'path' || p.in === 'query'),
    protected: protectedOp,
  });
  for (const [status, codes] of Object.entries(errors)) {
    op.responses[status] = errorResponse(Number(status), codes, op.responses[status]);
  }
  for (const response of Object.values(op.responses) as Json[]) {
    response.headers ??= {};
    response.headers['X-Request-Id'] ??= { $ref: '#/components/headers/RequestId' };
  }

  const examples = EXAMPLES[`${method.toUpperCase()} ${path}`];
  if (examples?.request && op.requestBody?.content?.['application/json']) {
    op.requestBody.content['application/json'].example = examples.request;
  }
  for (const [status, example] of Object.entries(examples?.responses ?? {})) {
    const media = op.responses[status]?.content?.['application/json'];
    if (media) media.example = example;
  }
}

/**
 * What Nest's generator leaves out, added to the generated document: the error body of every
 * error answer with its codes, pagination parameters, the security of every operation, the
 * widget token scheme, response headers, examples; as OpenAPI 3.1 (JSON Schema 2020-12).
 */
export function completeDocument(generated: OpenAPIObject): OpenAPIObject {
  const doc = withoutNullable(generated) as Json;
  doc.openapi = '3.1.0';
  // As package.json: not licensed for use outside Hissuno.
  doc.info = { ...doc.info, license: { name: 'UNLICENSED' } };
  doc.components = {
    ...doc.components,
    schemas: { ...COMPONENTS.schemas, ...doc.components?.schemas },
    headers: COMPONENTS.headers,
    securitySchemes: { ...doc.components?.securitySchemes, ...COMPONENTS.securitySchemes },
  };
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const method of METHODS) {
      if (item[method]) completeOperation(method, path, item[method]);
    }
  }
  return doc as OpenAPIObject;
}
