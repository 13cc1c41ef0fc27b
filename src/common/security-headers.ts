import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

export type HeaderSet = Readonly<Record<string, string>>;

/** The headers helmet would set with `options`, computed once (helmet itself runs per request). */
function helmetHeaders(options: Readonly<HelmetOptions>): HeaderSet {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  // Synchronous: none of these options computes a value per request (no CSP nonce).
  helmet(options)(
    {} as IncomingMessage,
    response as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error;
    },
  );
  return Object.freeze(headers);
}

/**
 * HTML pages (`/dashboard`, `/docs`): helmet's whole set, as before, with a CSP that lets the
 * pages load their own scripts, styles and images only.
 */
export const PAGE_HEADERS: HeaderSet = helmetHeaders({
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
    },
  },
  crossOriginResourcePolicy: { policy: 'same-origin' },
});

/**
 * Every other answer (JSON, errors, /health, /metrics): what a browser still applies to a
 * response that is never rendered as a page. HSTS (keep to HTTPS), nosniff (never read JSON
 * as script or HTML), a CSP that loads and frames nothing should a browser open the answer as
 * a document, and CORP (no cross-origin no-cors reads; CORS requests, as the widget and the
 * dashboard send, are not subject to it). helmet's others act on documents only and so never
 * did anything here: X-Frame-Options and COOP (a JSON answer is no window; frame-ancestors
 * covers framing), Origin-Agent-Cluster, Referrer-Policy and X-DNS-Prefetch-Control (a JSON
 * answer has no links to follow or prefetch), X-Download-Options (IE 8 "open" of downloads),
 * X-Permitted-Cross-Domain-Policies (Flash/Acrobat policy files) and X-XSS-Protection: 0
 * (turns off a filter that no current browser has).
 */
export const API_HEADERS: HeaderSet = helmetHeaders({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
});

/** `/widget.js`: a script customer pages load with <script> (no-cors): CORP must allow it. */
export const SCRIPT_HEADERS: HeaderSet = Object.freeze({
  ...API_HEADERS,
  'cross-origin-resource-policy': 'cross-origin',
});

/** Paths of the HTML pages and their assets (Swagger UI's scripts and styles included). */
const PAGE_PATH = /^\/(dashboard|docs)(\/|$)/;

/**
 * The set of headers for a route, by its pattern (`request.routeOptions.url`; undefined when
 * nothing matched): computed on the first request of each route, then a map lookup.
 */
export function securityHeadersFor(): (route: string | undefined) => HeaderSet {
  const byRoute = new Map<string, HeaderSet>();
  const classify = (route: string): HeaderSet => {
    if (route === '/widget.js') return SCRIPT_HEADERS;
    if (route.endsWith('.json')) return API_HEADERS; // the OpenAPI document
    return PAGE_PATH.test(route) ? PAGE_HEADERS : API_HEADERS;
  };
  return (route) => {
    if (route === undefined) return API_HEADERS;
    let set = byRoute.get(route);
    if (set === undefined) byRoute.set(route, (set = classify(route)));
    return set;
  };
}
