import { Type } from 'class-transformer';
import { IsArray, IsEmail, IsString, MinLength, ValidateNested } from 'class-validator';
import { AppError } from './app-error';
import { ApiValidationPipe } from './validation';

class Item {
  @IsString()
  label!: string;
}

class Body {
  @IsEmail()
  email!: string;

  @MinLength(12)
  password!: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => Item)
  items!: Item[];
}

describe(ApiValidationPipe.name, () => {
  const pipe = new ApiValidationPipe();
  const run = (value: unknown): Promise<unknown> =>
    pipe.transform(value, { type: 'body', metatype: Body });
  const failure = async (value: unknown): Promise<AppError> => {
    try {
      await run(value);
    } catch (error) {
      return error as AppError;
    }
    throw new Error('expected a validation failure');
  };

  it('reports every bad field by its path', async () => {
    const error = await failure({
      email: 'nope',
      password: 'short',
      items: [{ label: 'a' }, { label: 3 }],
    });
    expect(error.status).toBe(400);
    expect(error.code).toBe('validation_failed');
    expect(error.errors?.map((e) => e.field)).toEqual(['email', 'password', 'items[1].label']);
  });

  it('refuses unknown properties', async () => {
    const error = await failure({
      email: 'a@b.co',
      password: 'x'.repeat(12),
      items: [],
      admin: true,
    });
    expect(error.errors).toEqual([{ field: 'admin', message: expect.stringContaining('admin') }]);
  });

  it.each([[[]], ['a string'], [null], [42]])(
    'refuses a body that is not an object: %p',
    async (body) => {
      const error = await failure(body);
      expect(error.code).toBe('validation_failed');
    },
  );

  it('passes a valid body through as the DTO class', async () => {
    const value = await run({ email: 'a@b.co', password: 'x'.repeat(12), items: [{ label: 'a' }] });
    expect(value).toBeInstanceOf(Body);
  });
});

describe('unacceptable input', () => {
  const pipe = new ApiValidationPipe();

  it.each([[{ email: '\ud800' }], [{ '\udfff': 'a' }], [{ items: [{ label: 'ok\ud83d' }] }]])(
    'refuses text with a lone surrogate as a validation error: %p',
    async (body) => {
      await expect(pipe.transform(body, { type: 'body', metatype: Body })).rejects.toMatchObject({
        status: 400,
        code: 'validation_failed',
      });
    },
  );

  it('accepts well-formed astral characters', async () => {
    const body = { email: 'a@b.co', password: '😀'.repeat(12), items: [] };
    await expect(pipe.transform(body, { type: 'body', metatype: Body })).resolves.toBeInstanceOf(
      Body,
    );
  });
});
