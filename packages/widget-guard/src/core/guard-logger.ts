/**
 * Where the core writes what an operator should see (a failing re-check and its recovery).
 * A Nest `Logger` and a pino logger fit as they are; never given a key or a token.
 */
export interface WidgetGuardLogger {
  log(message: unknown, ...rest: unknown[]): void;
  warn(message: unknown, ...rest: unknown[]): void;
}

/** The default outside Nest: warnings to stderr, nothing else. */
export const CONSOLE_GUARD_LOGGER: WidgetGuardLogger = Object.freeze({
  log: () => undefined,
  warn: (message: unknown, ...rest: unknown[]) => console.error('[widget-guard]', message, ...rest),
});
