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
      // A key JavaScript reads as the prototype: harmless as parsed (an own key), but one
      // merge away from prototype pollution; class-transformer would make it the DTO's.
      if (key === '__proto__') {
        return { field: joinPath(field, key), message: '__proto__ should not exist' };
      }
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
      const unknown = prototypeNamedKeys(value);
      if (unknown.length > 0) throw AppError.validation(unknown);
    }
    const kept = keptAsSent(value, metadata.metatype);
    if (!kept) return super.transform(value, metadata);
    const instance = (await super.transform(kept.rest, metadata)) as Record<string, unknown>;
    return Object.assign(instance, kept.values);
  }
}

const KEPT_AS_SENT = Symbol('keptAsSent');

/**
 * A free-form map that its own code checks (e.g. `userMetadata`), handed over exactly as
 * sent: class-transformer would drop its keys named like Object.prototype members
 * (`constructor`, `toString`…) and Nest would delete `constructor` and `prototype` keys.
 * `__proto__` keys were refused before (unacceptableInput). Pair it with `@Allow()`.
 */
export const KeptAsSent = (): PropertyDecorator => (target, property) => {
  const names = (Reflect.getMetadata(KEPT_AS_SENT, target) as string[] | undefined) ?? [];
  Reflect.defineMetadata(KEPT_AS_SENT, [...names, String(property)], target);
};

/** The body without its kept-as-sent properties, and those apart; null when it has none. */
function keptAsSent(
  value: unknown,
  metatype: ArgumentMetadata['metatype'],
): { rest: Record<string, unknown>; values: Record<string, unknown> } | null {
  const prototype: unknown = metatype?.prototype;
  const names =
    typeof prototype === 'object' && prototype !== null
      ? (Reflect.getMetadata(KEPT_AS_SENT, prototype) as string[] | undefined)
      : undefined;
  if (!names || typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const rest: Record<string, unknown> = { ...value };
  const values: Record<string, unknown> = {};
  for (const name of names) {
    if (!Object.hasOwn(rest, name)) continue;
    values[name] = rest[name];
    delete rest[name];
  }
  return { rest, values };
}

const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Keys named like Object.prototype's members (`constructor`, `toString`…): class-transformer
 * drops them without a word (the DTO already "has" them), so forbidNonWhitelisted never sees
 * them. No DTO declares one: they are unknown properties, refused with the same message.
 */
function prototypeNamedKeys(value: unknown): FieldError[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.keys(value)
    .filter((key) => PROTOTYPE_NAMES.has(key))
    .map((key) => ({ field: key, message: `${key} should not exist` }));
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
