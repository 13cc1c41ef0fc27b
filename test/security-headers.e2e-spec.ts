import { bearer, createProject, signUp } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';
import { widgetUrl } from './helpers/widget-client';

/** helmet's headers that act on documents only: HTML pages get them, JSON answers not. */
const PAGE_ONLY = [
  'cross-origin-opener-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

const API = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
};

describeEachDatabase('security headers by route class', (ctx) => {
  const expectApiHeaders = (headers: Record<string, string>) => {
    expect(headers).toMatchObject(API);
    for (const name of PAGE_ONLY) expect({ [name]: headers[name] }).toEqual({ [name]: undefined });
  };

  it('gives JSON answers (success, error, widget) the headers that matter for JSON only', async () => {
    expectApiHeaders((await ctx().http().get('/health')).headers);
    const missing = await ctx().http().get('/api/v1/no-such-route');
    expect(missing.status).toBe(404);
    expectApiHeaders(missing.headers);
    const owner = await signUp(ctx().http());
    expectApiHeaders(
      (await ctx().http().get('/api/v1/projects').set(bearer(owner.accessToken))).headers,
    );
    const project = await createProject(ctx().http(), owner.accessToken);
    const widget = await ctx()
      .http()
      .get(widgetUrl(project.id, '/config'))
      .set('Origin', 'https://shop.example.com');
    expect(widget.status).toBe(200);
    expectApiHeaders(widget.headers);
    expectApiHeaders((await ctx().http().get('/docs/openapi.json')).headers);
  });

  it('gives the HTML pages helmet’s whole set, with their own CSP', async () => {
    for (const path of ['/dashboard', '/docs']) {
      const res = await ctx().http().get(path).redirects(1);
      expect({ path, type: res.headers['content-type'] }).toEqual({
        path,
        type: expect.stringContaining('text/html'),
      });
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers).toMatchObject({
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
        'x-content-type-options': 'nosniff',
        'strict-transport-security': API['strict-transport-security'],
      });
    }
  });

  it('lets customer pages load /widget.js cross-origin, with nosniff', async () => {
    const res = await ctx().http().get('/widget.js');
    expect(res.headers).toMatchObject({
      'cross-origin-resource-policy': 'cross-origin',
      'x-content-type-options': 'nosniff',
    });
    expect(res.headers['x-frame-options']).toBeUndefined();
  });
});
