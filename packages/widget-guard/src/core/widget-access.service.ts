import {
  SecurityCache,
  SecurityStateUnavailableError,
  type CachedSecurity,
} from './security-cache';
import {
  checkOrigin,
  corsHeaders,
  decideWith,
  projectNotFound,
  serviceUnavailable,
  type WidgetAccessInput,
  type WidgetDecision,
  type WidgetDenied,
} from './widget-access.decision';
import {
  authorizationOf,
  explainDecision,
  type WidgetDiagnosis,
  type WidgetDiagnosisInput,
} from './widget-access.diagnosis';
import { DEFAULT_WIDGET_CORS, type WidgetCorsOptions } from './widget-cors';
import { WidgetSecurityStateSource } from './widget-security-state';

/** Counts a request of a known project (canonical id); may throw the app's refusal (429). */
export type ProjectCounter = (projectId: string) => Promise<void>;

export type WidgetPreflightDecision =
  { allowed: true; headers: Record<string, string> } | WidgetDenied;

/**
 * The one implementation of the widget guard's checks (API.md §6). The guard, the CORS
 * preflight and the diagnostics endpoint all call it; it knows nothing of HTTP objects nor
 * of any framework (the adapters carry HTTP in and out). `start()` before use (the cache's
 * re-check and change feed), `stop()` at shutdown.
 */
export class WidgetAccessService {
  constructor(
    private readonly source: WidgetSecurityStateSource,
    private readonly cache: SecurityCache,
    private readonly cors: WidgetCorsOptions = DEFAULT_WIDGET_CORS,
  ) {}

  start(): void {
    this.cache.start();
  }

  stop(): void {
    this.cache.stop();
  }

  /**
   * Project → `counted` → origin → token. A store failure is a 503 decision. `counted` (the
   * guard's per-project rate limit) runs once the project is known and before the origin and
   * token checks, so a refused request costs no HMAC; what it throws is thrown from here.
   */
  async decide(input: WidgetAccessInput, counted?: ProjectCounter): Promise<WidgetDecision> {
    const found = await this.lookup(input);
    if ('allowed' in found) return found;
    if (counted && found.entry !== null) await counted(found.entry.projectId);
    return decideWith(found.entry, input);
  }

  /**
   * The decision the guard would make on a widget request with this Origin and
   * `Authorization: Bearer <token>`, explained check by check (dashboard diagnostics). Same
   * lookup and same rules (decideWith) as `decide`; the observer is not told, so a diagnosis
   * never counts as a widget request.
   */
  async diagnose(input: WidgetDiagnosisInput): Promise<WidgetDiagnosis> {
    const token = typeof input.token === 'string' ? input.token : null;
    const request: WidgetAccessInput = {
      projectId: input.projectId,
      // As an HTTP parser hands a header over: without surrounding whitespace.
      origin: typeof input.origin === 'string' ? input.origin.trim() : input.origin,
      authorization: authorizationOf(token),
      nowMs: input.nowMs,
    };
    const found = await this.lookup(request);
    const entry = 'allowed' in found ? null : found.entry;
    const decision = 'allowed' in found ? found : decideWith(found.entry, request);
    return explainDecision(decision, {
      origin: decision.origin,
      allowsAllOrigins: entry ? entry.originPolicy.allowsAll : null,
      token,
    });
  }

  /**
   * A CORS preflight carries no token: only the project and the origin are checked. A
   * refusal carries no allowing header, so the browser does not send the request.
   */
  async preflight(
    input: Omit<WidgetAccessInput, 'authorization'>,
    counted?: ProjectCounter,
  ): Promise<WidgetPreflightDecision> {
    const found = await this.lookup(input);
    if ('allowed' in found) return found;
    const origin = typeof input.origin === 'string' && input.origin !== '' ? input.origin : null;
    if (found.entry === null) return projectNotFound(origin);
    if (counted) await counted(found.entry.projectId);
    const refused = checkOrigin(found.entry, origin);
    if (refused) return { ...refused, headers: { Vary: 'Origin' } };
    return {
      allowed: true,
      headers: {
        ...corsHeaders(origin),
        'Access-Control-Allow-Methods': this.cors.methods.join(', '),
        'Access-Control-Allow-Headers': this.cors.allowedHeaders.join(', '),
        'Access-Control-Max-Age': String(this.cors.maxAgeSeconds),
      },
    };
  }

  /** Drops a project's cached state (for callers that changed it out of band). */
  invalidate(projectId: string): void {
    const id = this.source.canonicalId(projectId);
    if (id !== null) this.cache.evict(id);
  }

  // Not async on a cache hit (the steady state): no promise, no microtask of its own.
  private lookup(
    input: Pick<WidgetAccessInput, 'projectId' | 'origin'>,
  ): { entry: CachedSecurity | null } | Promise<{ entry: CachedSecurity | null } | WidgetDenied> {
    const id =
      typeof input.projectId === 'string' ? this.source.canonicalId(input.projectId) : null;
    if (id === null) return { entry: null };
    const hit = this.cache.peek(id);
    return hit !== undefined ? { entry: hit } : this.load(id, input.origin);
  }

  private async load(
    id: string,
    requestOrigin: string | null | undefined,
  ): Promise<{ entry: CachedSecurity | null } | WidgetDenied> {
    const origin = typeof requestOrigin === 'string' && requestOrigin !== '' ? requestOrigin : null;
    try {
      return { entry: await this.cache.get(id) };
    } catch (error) {
      if (error instanceof SecurityStateUnavailableError) return serviceUnavailable(origin);
      throw error;
    }
  }
}
