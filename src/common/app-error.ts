export interface FieldError {
  field: string;
  message: string;
}

/**
 * The one error type services throw. The exception filter turns it into the
 * API.md §0 body: `{ statusCode, code, message, requestId, errors? }`.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  static validation(errors: FieldError[]): AppError {
    const first = errors[0] ? `${errors[0].field}: ${errors[0].message}` : 'the request is invalid';
    return new AppError(
      400,
      'validation_failed',
      `Fix the request body and retry (${first}).`,
      errors,
    );
  }

  static notFound(code: string, message: string): AppError {
    return new AppError(404, code, message);
  }

  static forbidden(message = 'Your role in this project does not allow this action.'): AppError {
    return new AppError(403, 'forbidden', message);
  }

  static unavailable(message = 'The database is unreachable; retry shortly.'): AppError {
    return new AppError(503, 'service_unavailable', message, undefined, { 'Retry-After': '5' });
  }
}
