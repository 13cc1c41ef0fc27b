import { openApiContract } from './helpers/openapi-contract';

/** The checker every e2e answer goes through (TestApp.http()): it must catch drift. */
describe('the OpenAPI contract checker', () => {
  const contract = openApiContract();
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const path = '/api/v1/projects/0f8fad5b-d9cb-469f-a165-70867728950e/widget/security';
  const error = (statusCode: number, code: string) => ({
    statusCode,
    code,
    message: 'Not here.',
    requestId: 'r-1',
  });

  it('accepts an answer as documented: status, body schema, error code', () => {
    const body = error(404, 'project_not_found');
    expect(contract.problems('GET', path, { status: 404, headers: json, body })).toEqual([]);
  });

  it('refuses an error code the operation does not list', () => {
    const body = error(404, 'session_not_found');
    const problems = contract.problems('GET', path, { status: 404, headers: json, body });
    expect(problems.join('\n')).toMatch(/\/code must be equal to one of the allowed values/);
  });

  it('refuses a status the operation does not document', () => {
    const problems = contract.problems('GET', path, { status: 418, headers: json, body: {} });
    expect(problems).toEqual([
      'GET /api/v1/projects/{projectId}/widget/security → 418: status not documented for this operation',
    ]);
  });

  it('refuses a success body that lacks a field', () => {
    const problems = contract.problems(`GET`, `${path}?x=1`, {
      status: 200,
      headers: json,
      body: { requireToken: true },
    });
    expect(problems.join('\n')).toMatch(/must have required property 'allowedOrigins'/);
  });

  it('leaves paths the document does not describe alone', () => {
    expect(contract.problems('GET', '/dashboard', { status: 200, headers: {}, body: {} })).toEqual(
      [],
    );
  });
});
