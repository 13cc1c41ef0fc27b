import { describeEachDatabase } from './helpers/test-app';

type Operation = { security?: Record<string, string[]>[]; responses: Record<string, unknown> };

/** /docs: the API-key security scheme and every new operation of API.md §9 and §1 with its errors. */
describeEachDatabase('OpenAPI: API keys and sessions that can end', (ctx) => {
  let doc: {
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, { type: string; scheme: string }> };
  };
  const op = (path: string, method: string): Operation => doc.paths[`/api/v1${path}`][method];
  const schemes = (o: Operation) =>
    [...new Set((o.security ?? []).flatMap((s) => Object.keys(s)))].sort();

  beforeAll(async () => {
    doc = (await ctx().http().get('/docs/openapi.json').expect(200)).body;
  });

  it('declares the API-key security scheme (HTTP bearer, hsk_…)', () => {
    expect(doc.components.securitySchemes.apiKey).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'hsk_…',
    });
  });

  it.each([
    ['/projects/{projectId}/api-keys', 'post', ['201', '400', '401', '403', '404', '429']],
    ['/projects/{projectId}/api-keys', 'get', ['200', '400', '401', '403', '404']],
    ['/projects/{projectId}/api-keys/{apiKeyId}', 'delete', ['204', '401', '403', '404']],
    ['/auth/logout', 'post', ['204', '401']],
    ['/auth/password', 'post', ['200', '400', '401', '429']],
  ])('documents %s %s with its answers %j', (path, method, statuses) => {
    expect(Object.keys(op(path, method).responses)).toEqual(expect.arrayContaining(statuses));
  });

  it('lists the API-key scheme exactly on the routes that accept a key', () => {
    expect(schemes(op('/projects/{projectId}', 'get'))).toEqual(['apiKey', 'bearer']);
    expect(schemes(op('/projects/{projectId}/widget/secret-key/rotate', 'post'))).toEqual([
      'apiKey',
      'bearer',
    ]);
    for (const [path, method] of [
      ['/projects/{projectId}/api-keys', 'post'],
      ['/projects/{projectId}/api-keys/{apiKeyId}', 'delete'],
      ['/projects/{projectId}/members', 'post'],
      ['/projects/{projectId}', 'delete'],
    ]) {
      expect(schemes(op(path, method))).toEqual(['bearer']);
    }
  });
});
