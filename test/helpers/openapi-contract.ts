import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/* eslint-disable @typescript-eslint/no-explicit-any -- the document is walked as JSON */
type Json = Record<string, any>;

/** The committed document (openapi/openapi.json), which test/openapi.e2e-spec.ts proves served. */
export const OPENAPI_PATH = join(__dirname, '..', '..', 'openapi', 'openapi.json');

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Json;
}

/** What a response looks like to the checker (a supertest/superagent response). */
export interface CheckedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text?: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Checks an answer against the OpenAPI document: its operation (by method and path), its
 * status (documented for that operation) and its JSON body (the schema of that status, with
 * ajv). Paths the document does not describe (browser artefacts, /docs, /metrics, unrouted
 * paths) are not checked.
 */
export class OpenApiContract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly document: Json) {
    addFormats(this.ajv);
    this.ajv.addSchema(document, 'openapi');
    for (const [template, item] of Object.entries(document.paths as Json)) {
      // A parameter is one path segment; the preflight's {path} is the rest of the path.
      const source = template
        .split(/(\{[^}]+\})/)
        .map((part) =>
          part === '{path}' ? '.+' : part.startsWith('{') ? '[^/]+' : escapeRegExp(part),
        )
        .join('');
      for (const [method, op] of Object.entries(item as Json)) {
        this.operations.push({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${source}/?$`),
          responses: (op as Json).responses ?? {},
        });
      }
    }
  }

  static load(): OpenApiContract {
    return new OpenApiContract(JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as Json);
  }

  find(method: string, path: string): Operation | undefined {
    const wanted = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
    let decoded = path;
    try {
      decoded = decodeURI(path);
    } catch {
      // a malformed escape: match the raw path
    }
    return this.operations.find(
      (op) => op.method === wanted && (op.pattern.test(path) || op.pattern.test(decoded)),
    );
  }

  /** Problems with one answer (empty when it is what the document says). */
  problems(method: string, url: string, res: CheckedResponse): string[] {
    const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '').split('?')[0];
    const op = this.find(method, path);
    if (!op) return [];
    // Node's HTTP server refuses oversized headers itself, before the app sees the request.
    if (res.status === 431 && res.headers['x-request-id'] === undefined) return [];
    const where = `${method.toUpperCase()} ${op.template} → ${res.status}`;
    const response = op.responses[String(res.status)] as Json | undefined;
    if (!response) return [`${where}: status not documented for this operation`];
    const media = response.content?.['application/json'] as Json | undefined;
    const type = String(res.headers['content-type'] ?? '');
    if (!media) {
      return res.text && res.text.length > 0 && !response.content
        ? [`${where}: a body the document does not describe (${type})`]
        : [];
    }
    if (method.toUpperCase() === 'HEAD') return [];
    if (!type.startsWith('application/json')) {
      return [`${where}: content-type ${type || 'none'}, documented application/json`];
    }
    const key = `${op.method} ${op.template} ${res.status}`;
    let validate = this.validators.get(key);
    if (!validate) {
      const pointer = ['paths', op.template, op.method.toLowerCase(), 'responses', res.status]
        .map((part) => String(part).replace(/~/g, '~0').replace(/\//g, '~1'))
        .join('/');
      validate = this.ajv.compile({
        $ref: `openapi#/${pointer}/content/application~1json/schema`,
      });
      this.validators.set(key, validate);
    }
    if (validate(res.body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${where}: body${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
    );
  }

  /** Throws (failing the request's test) when the answer is not what the document says. */
  assert(method: string, url: string, res: CheckedResponse): void {
    const problems = this.problems(method, url, res);
    if (problems.length > 0) {
      throw new Error(
        `The answer does not match openapi/openapi.json:\n  ${problems.join('\n  ')}\n` +
          `  body: ${JSON.stringify(res.body)?.slice(0, 500)}`,
      );
    }
  }
}

let shared: OpenApiContract | undefined;
/** One checker per test file (the document is read once). */
export function openApiContract(): OpenApiContract {
  return (shared ??= OpenApiContract.load());
}
