import { describeEachDatabase } from './helpers/test-app';

describeEachDatabase('foundation', (ctx) => {
  it('answers /health with the database up', async () => {
    const res = await ctx().http().get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', database: 'up' });
  });

  it('echoes a sane X-Request-Id and replaces an insane one', async () => {
    const echoed = await ctx().http().get('/health').set('X-Request-Id', 'abc-123.DEF:9');
    expect(echoed.headers['x-request-id']).toBe('abc-123.DEF:9');
    const replaced = await ctx().http().get('/health').set('X-Request-Id', 'bad id <script>');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers malformed JSON with 400 invalid_json in the error body', async () => {
    const res = await ctx()
      .http()
      .post('/api/v1/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"email": ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      statusCode: 400,
      code: 'invalid_json',
      message: expect.any(String),
      requestId: res.headers['x-request-id'],
    });
  });

  it('answers a body over 64 KiB with 413 payload_too_large', async () => {
    const res = await ctx()
      .http()
      .post('/api/v1/auth/login')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(70 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it('answers an unknown route with the error body', async () => {
    const res = await ctx().http().get('/api/v1/nope').expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, code: 'not_found' });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const doc = await ctx().http().get('/docs/openapi.json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.paths['/health']).toBeDefined();
    const ui = await ctx().http().get('/docs').expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('exposes Prometheus metrics', async () => {
    await ctx().http().get('/health');
    const res = await ctx().http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/health"/);
  });

  it('sends security headers', async () => {
    const res = await ctx().http().get('/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none';frame-ancestors 'none'",
    );
  });

  it('writes JSON log lines carrying the request id', async () => {
    await ctx().http().get('/health').set('X-Request-Id', 'log-probe-1');
    const line = ctx()
      .logs.map((l) => JSON.parse(l))
      .find((l) => l.reqId === 'log-probe-1');
    expect(line).toMatchObject({ msg: 'request', status: 200, route: '/health' });
  });
});
