import { AppError } from '../common/app-error';
import { OptionalBody } from './optional-body.pipe';
import { RotateSecretKeyDto } from './secret-keys.dto';

describe('OptionalBody(RotateSecretKeyDto)', () => {
  const PipeClass = OptionalBody(RotateSecretKeyDto);
  const pipe = new PipeClass();

  async function errorOf(value: unknown): Promise<AppError> {
    try {
      await pipe.transform(value, { type: 'body' });
    } catch (error) {
      if (error instanceof AppError) return error;
      throw error;
    }
    throw new Error('expected a validation error');
  }

  it.each([
    ['no body at all', undefined, undefined],
    ['an empty object', {}, undefined],
    ['0', { gracePeriodSeconds: 0 }, 0],
    ['one week', { gracePeriodSeconds: 604800 }, 604800],
  ])('accepts %s', async (_, body, grace) => {
    const dto = (await pipe.transform(body, { type: 'body' })) as RotateSecretKeyDto;
    expect(dto).toBeInstanceOf(RotateSecretKeyDto);
    expect(dto.gracePeriodSeconds).toBe(grace);
  });

  it.each([[-1], [604801], [1.5], ['60'], [null], [true], [Number.MAX_SAFE_INTEGER]])(
    'refuses gracePeriodSeconds %j',
    async (grace) => {
      const error = await errorOf({ gracePeriodSeconds: grace });
      expect(error.code).toBe('validation_failed');
      expect(error.errors).toEqual([
        {
          field: 'gracePeriodSeconds',
          message: expect.stringMatching(/integer .* from 0 to 604800/),
        },
      ]);
    },
  );

  it.each([[null], [[]], ['60'], [60]])(
    'refuses a body that is not an object: %j',
    async (body) => {
      expect((await errorOf(body)).code).toBe('validation_failed');
    },
  );

  it('refuses an unknown property', async () => {
    const error = await errorOf({ gracePeriod: 60 });
    expect(error.errors).toEqual([{ field: 'gracePeriod', message: expect.any(String) }]);
  });
});
