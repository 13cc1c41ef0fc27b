import { QueryFailedError } from 'typeorm';
import { createLogger, redactSecrets } from './logging';

describe(redactSecrets.name, () => {
  const secretKey = `sk_live_${'A1b2_C3d-'.repeat(4)}Zz9Q123`;
  const apiKey = `hsk_${'A1b2_C3d-'.repeat(4)}Zz9Q1234567`;
  const jwt =
    'eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOiJ1LTEifQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmUtMTIzNDU2Nzg5MA';

  it.each([
    ['a secret key anywhere', `{"msg":"key ${secretKey} leaked"}`, secretKey],
    ['a JWT anywhere', `{"msg":"token ${jwt}"}`, jwt],
    ['an API key anywhere', `{"msg":"key ${apiKey} in an origin"}`, apiKey],
    ['a bearer value', '{"authorization":"Bearer opaque-token-value"}', 'opaque-token-value'],
    ['a password field', '{"body":{"password":"correct horse battery"}}', 'correct horse battery'],
    ['a secretKey field', '{"secretKey":"whatever-shape"}', 'whatever-shape'],
  ])('removes %s', (_, line, secret) => {
    const redacted = redactSecrets(line);
    expect(redacted).not.toContain(secret);
    expect(redacted).toContain('REDACTED');
  });

  it('leaves ordinary lines alone', () => {
    const line = '{"level":30,"msg":"request","route":"/health","status":200}';
    expect(redactSecrets(line)).toBe(line);
  });

  it('applies to everything the logger writes', () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    logger.info(
      { req: { headers: { authorization: 'Bearer abc' } }, note: secretKey },
      `saw ${jwt}`,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(secretKey);
    expect(lines[0]).not.toContain(jwt);
    expect(lines[0]).not.toContain('abc');
  });
});

describe('logged database errors', () => {
  it('never carry the query parameters nor the row values', () => {
    const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';
    const driverError = Object.assign(new Error('null value in column "name" violates not-null'), {
      code: '23502',
      detail: `Failing row contains (ada@example.com, ${hash}, null).`,
    });
    const error = new QueryFailedError(
      'INSERT INTO users (email, password_hash) VALUES ($1, $2)',
      ['ada@example.com', hash],
      driverError,
    );
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    logger.error({ err: error, requestId: 'r-1' }, 'unhandled error');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(hash);
    expect(lines[0]).not.toContain('ada@example.com');
    // What helps to debug stays: the message, the SQLSTATE, the query text.
    const logged = JSON.parse(lines[0]).err;
    expect(logged).toMatchObject({ type: 'QueryFailedError', code: '23502' });
    expect(logged.query).toContain('INSERT INTO users');
    expect(logged.message).toContain('not-null');
  });
});
