import { bearer, signUp } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';

const METRICS_TOKEN = 'metrics-token-for-the-scraper-0123456789';

/** API.md §7: METRICS_TOKEN, when set, is the only key to GET /metrics. */
describeEachDatabase(
  'GET /metrics with METRICS_TOKEN',
  (ctx) => {
    const http = () => ctx().http();

    it('answers the scraper holding the token', async () => {
      const res = await http().get('/metrics').set(bearer(METRICS_TOKEN));
      expect(res.status).toBe(200);
      expect(res.text).toContain('http_request_duration_seconds');
    });

    it('refuses no token, a wrong one, a prefix and a dashboard token with 401 unauthorized', async () => {
      const dashboard = (await signUp(http())).accessToken;
      const attempts: Record<string, string> = {
        wrong: `Bearer ${METRICS_TOKEN.replace(/9$/, '8')}`,
        prefix: `Bearer ${METRICS_TOKEN.slice(0, -1)}`,
        longer: `Bearer ${METRICS_TOKEN}0`,
        bare: METRICS_TOKEN,
        dashboard: `Bearer ${dashboard}`,
      };
      const none = await http().get('/metrics');
      expect(none.status).toBe(401);
      expect(none.body).toMatchObject({ code: 'unauthorized' });
      expect(none.text).not.toContain('http_request_duration_seconds');
      for (const [what, authorization] of Object.entries(attempts)) {
        const res = await http().get('/metrics').set('Authorization', authorization);
        expect({ what, status: res.status, code: res.body.code }).toEqual({
          what,
          status: 401,
          code: 'unauthorized',
        });
        expect(res.text).not.toContain(METRICS_TOKEN);
      }
    });
  },
  { metricsToken: METRICS_TOKEN },
);
