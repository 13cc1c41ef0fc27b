import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, FieldError } from './app-error';

/**
 * Deepest nesting of objects and arrays a body may have. Beyond it a body is refused before
 * class-transformer, which recurses, could overflow the stack (a 500 for any client that
 * sends `[[[[…]]]]`). No DTO of this API nests more than a few levels.
 */
export const MAX_BODY_DEPTH = 32;

/**
 * What no DTO can accept, found in one iterative walk (it never overflows): nesting deeper
 * than `limit`, or a string (value or key) that is not well-formed UTF-16 — JSON can carry a
 * lone surrogate (`"\ud800"`), on which validators and the database throw instead of refusing.
 */
export function unacceptableInput(value: unknown, limit: number): FieldError | null {
  const pending: [unknown, number, string][] = [[value, 1, '']];
  while (pending.length > 0) {
    const [node, depth, field] = pending.pop()!;
    if (typeof node === 'string') {
      if (!node.isWellFormed()) return { field, message: 'text must be valid Unicode' };
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return { field, message: `the body nests more than ${limit} levels deep` };
    for (const [key, child] of Object.entries(node)) {
      pending.push([key, depth, field], [child, depth + 1, joinPath(field, key)]);
    }
  }
  return null;
}

/**
 * The global pipe: DTOs validate at the edge, unknown properties are refused,
 * and every failure becomes 400 `validation_failed` with one entry per field.
 */
@Injectable()
export class ApiValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validateCustomDecorators: false,
      exceptionFactory: (errors) => AppError.validation(flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A JSON body that is an array, a string or null is never a valid DTO.
    if (metadata.type === 'body' && metadata.metatype && this.toValidate(metadata)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw AppError.validation([{ field: '', message: 'the body must be a JSON object' }]);
      }
    }
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problem = unacceptableInput(value, MAX_BODY_DEPTH);
      if (problem) throw AppError.validation([problem]);
    }
    return super.transform(value, metadata);
  }
}

/** Turns class-validator's tree into `[{ field: 'allowedOrigins[1]', message }]`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = joinPath(parent, error.property);
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property /, ''),
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}
