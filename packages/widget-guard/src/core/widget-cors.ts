/** CORS answers of widget routes (preflights). */
export interface WidgetCorsOptions {
  methods: readonly string[];
  allowedHeaders: readonly string[];
  maxAgeSeconds: number;
}

export const DEFAULT_WIDGET_CORS: Readonly<WidgetCorsOptions> = Object.freeze({
  methods: ['GET', 'POST'],
  allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
  // Safe to cache: every actual request is still checked against the current origin list.
  maxAgeSeconds: 600,
});
