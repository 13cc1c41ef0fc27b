import { AppError } from '../common/app-error';
import { ApiValidationPipe } from '../common/validation';
import { UpdateWidgetSecurityDto } from './widget-security.dto';
import { originFieldErrors } from './widget-security.service';

describe(UpdateWidgetSecurityDto.name, () => {
  const pipe = new ApiValidationPipe();
  const validate = (body: unknown) =>
    pipe.transform(body, { type: 'body', metatype: UpdateWidgetSecurityDto });

  async function fieldsOf(body: unknown): Promise<string[]> {
    try {
      await validate(body);
    } catch (error) {
      if (error instanceof AppError && error.code === 'validation_failed') {
        return error.errors!.map((e) => e.field);
      }
      throw error;
    }
    throw new Error('expected a validation error');
  }

  it.each([
    [{}],
    [{ requireToken: true }],
    [{ requireToken: false }],
    [{ allowedOrigins: [] }],
    [{ allowedOrigins: ['https://a.com', 42] }], // entries are judged by the origin policy
    [{ requireToken: true, allowedOrigins: ['*.a.com'] }],
    [{ maxTokenLifetimeSeconds: 60 }],
    [{ maxTokenLifetimeSeconds: 2592000 }],
    [{ maxTokenLifetimeSeconds: null }],
  ])('lets %j through', async (body) => {
    await expect(validate(body)).resolves.toBeInstanceOf(UpdateWidgetSecurityDto);
  });

  it.each([
    [{ requireToken: null }, ['requireToken']],
    [{ requireToken: 'true' }, ['requireToken']],
    [{ requireToken: 1 }, ['requireToken']],
    [{ allowedOrigins: null }, ['allowedOrigins']],
    [{ allowedOrigins: 'https://a.com' }, ['allowedOrigins']],
    [{ allowedOrigins: { 0: 'https://a.com' } }, ['allowedOrigins']],
    [{ maxTokenLifetimeSeconds: 59 }, ['maxTokenLifetimeSeconds']],
    [{ maxTokenLifetimeSeconds: 2592001 }, ['maxTokenLifetimeSeconds']],
    [{ maxTokenLifetimeSeconds: 3600.5 }, ['maxTokenLifetimeSeconds']],
    [{ maxTokenLifetimeSeconds: '3600' }, ['maxTokenLifetimeSeconds']],
    [{ requireToken: null, extra: 1 }, ['requireToken', 'extra']],
  ])('refuses %j at %j', async (body, fields) => {
    expect((await fieldsOf(body)).sort()).toEqual([...fields].sort());
  });

  it('names each bad origin by its index', () => {
    expect(
      originFieldErrors([
        { index: 0, message: 'a' },
        { index: 3, message: 'b' },
      ]),
    ).toEqual([
      { field: 'allowedOrigins[0]', message: 'a' },
      { field: 'allowedOrigins[3]', message: 'b' },
    ]);
  });
});
