import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

/**
 * Secret values recognisable by their shape: project secret keys, API keys (`hsk_…`), JWTs
 * (widget and access tokens).
 */
const SECRET_VALUES: [RegExp, string][] = [
  [/sk_live_[A-Za-z0-9_-]{20,}/g, 'sk_live_[REDACTED]'],
  [/hsk_[A-Za-z0-9_-]{20,}/g, 'hsk_[REDACTED]'],
  [/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g, '[REDACTED_JWT]'],
];
/** What must never reach a log line, whatever field it sits in: those, bearer values, passwords. */
const SECRET_SHAPES: [RegExp, string][] = [
  ...SECRET_VALUES,
  [/(Bearer\s+)[^\s"\\]+/gi, '$1[REDACTED]'],
  [
    /("(?:password|currentPassword|newPassword|secretKey|token|widgetToken|accessToken)"\s*:\s*)"(?:[^"\\]|\\.)*"/g,
    '$1"[REDACTED]"',
  ],
];

/**
 * Removes secret keys and JWTs from a text meant for a client (an error message may quote
 * what the client sent, e.g. an origin entry that is really the secret key it pasted).
 */
export function redactSecretValues(text: string): string {
  return SECRET_VALUES.reduce((t, [shape, replacement]) => t.replace(shape, replacement), text);
}

export function redactSecrets(line: string): string {
  return SECRET_SHAPES.reduce(
    (text, [shape, replacement]) => text.replace(shape, replacement),
    line,
  );
}

/**
 * What a database error carries besides its message: the query's parameters, and in `detail`
 * the values of a row ("Failing row contains (…)", "Key (email)=(…)"). Either can hold a
 * password hash or an email, so neither is ever logged, at any depth (TypeORM's
 * QueryFailedError repeats the driver's error as `driverError`).
 */
const DATABASE_VALUE_FIELDS = ['parameters', 'detail', 'where'];

function withoutDatabaseValues(serialized: Record<string, unknown>, depth = 0): void {
  for (const field of DATABASE_VALUE_FIELDS) delete serialized[field];
  if (depth > 3) return;
  for (const value of Object.values(serialized)) {
    if (typeof value === 'object' && value !== null) {
      withoutDatabaseValues(value as Record<string, unknown>, depth + 1);
    }
  }
}

/** pino's error serializer, without what a database error says about the data. */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  withoutDatabaseValues(serialized);
  return serialized;
}

/** JSON logs; every line is scrubbed for secret shapes just before it is written. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-hissuno-service-token"]',
          '*.password',
          '*.secretKey',
        ],
        censor: '[REDACTED]',
      },
      serializers: { err: serializeError },
      hooks: { streamWrite: redactSecrets },
    },
    destination,
  );
}

/**
 * Nest's start-up chatter (one line per module, controller and route): debug, so that the
 * first info line of a boot is the service's own, saying where it answers (main.ts).
 */
const BOOTSTRAP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** Routes Nest's own log calls (bootstrap, errors) into the same pino logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.write(context && BOOTSTRAP_CONTEXTS.has(context) ? 'debug' : 'info', message, context);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write(
      'error',
      message,
      rest.find((r) => typeof r === 'string' && !r.includes('\n')) as string,
    );
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(level: pino.Level, message: unknown, context?: string): void {
    if (typeof message === 'object' && message !== null && !(message instanceof Error)) {
      this.logger[level]({ context, ...message });
    } else if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
    } else {
      this.logger[level]({ context }, String(message));
    }
  }
}
