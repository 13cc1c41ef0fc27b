import { Injectable, PipeTransform, Type } from '@nestjs/common';
import { ApiValidationPipe } from '../common/validation';

/**
 * Validates a body that may be left out entirely (no body at all is read as `{}`),
 * with the same rules and errors as the global pipe. A body that is present but not
 * an object (`null`, an array, a string) is still 400 `validation_failed`.
 *
 * Declare the parameter with a type the global pipe skips (e.g. `Partial<Dto>`, emitted
 * as Object); this pipe then does the validation.
 */
export function OptionalBody<T extends object>(dto: Type<T>): Type<PipeTransform> {
  @Injectable()
  class OptionalBodyPipe implements PipeTransform {
    private readonly pipe = new ApiValidationPipe();

    transform(value: unknown): Promise<unknown> {
      return this.pipe.transform(value === undefined ? {} : value, {
        type: 'body',
        metatype: dto,
      });
    }
  }
  return OptionalBodyPipe;
}
