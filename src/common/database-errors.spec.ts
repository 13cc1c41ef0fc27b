import { QueryFailedError } from 'typeorm';
import { fromDatabaseError } from './database-errors';

const failed = (driverError: object): QueryFailedError =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error('driver'), driverError));

describe(fromDatabaseError.name, () => {
  it.each([
    ['the server cancelling at statement_timeout', { code: '57014' }],
    ['the client giving up at query_timeout', { message: 'Query read timeout' }],
    ['a connection closed after a timeout', { message: 'Client was closed and is not queryable' }],
    ['a pool that cannot connect in time', { message: 'timeout exceeded when trying to connect' }],
  ])('maps %s to 503 service_unavailable with Retry-After', (_what, driverError) => {
    const error = fromDatabaseError(failed(driverError));
    expect(error).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(error?.headers?.['Retry-After']).toMatch(/^\d+$/);
  });

  it('leaves other errors to be 500s', () => {
    expect(fromDatabaseError(failed({ code: '42P01' }))).toBeNull();
  });
});
