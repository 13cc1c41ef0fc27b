import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { GUARD_OUTCOMES } from '../src/widget-security/widget-metrics.observer';
import { createProject, signUp } from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';
import { ProjectSecurityListener } from '../src/widget-security/project-security-listener';
import { API_KEY_LOOKUP_LIMIT, API_KEY_RATE_LIMIT } from '../src/api-keys/api-key-authenticator';
import { LOGIN_FAILURES_LIMIT } from '../src/auth/auth.service';
import {
  AUTH_RATE_LIMIT,
  MEMBER_ADD_RATE_LIMIT,
  RATE_LIMIT_RULE_NAMES,
  WIDGET_ANY_RATE_LIMIT,
  WIDGET_RATE_LIMIT,
} from '../src/common/rate-limit';

const ROOT = join(__dirname, '..');

/** promtool (Debian's prometheus package; `npm test` installs it when missing). */
function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: ROOT, input, encoding: 'utf8' });
  if (run.error)
    throw new Error(`promtool cannot run (${run.error.message}): apt-get install prometheus`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('deploy/prometheus/alerts.yml', () => {
  it('passes `promtool check rules`', () => {
    const { status, output } = promtool(['check', 'rules', 'deploy/prometheus/alerts.yml']);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });
});

/** The value of an unlabelled series in a scrape (throws when it is missing). */
function value(scrape: string, series: string): number {
  const line = new RegExp(`^${series} (\\S+)$`, 'm').exec(scrape);
  if (!line) throw new Error(`${series} missing from /metrics`);
  return Number(line[1]);
}

describeEachDatabase('GET /metrics', (ctx) => {
  it('passes `promtool check metrics` (Prometheus naming and format conventions)', async () => {
    const res = await ctx().http().get('/metrics').expect(200);
    const { status, output } = promtool(['check', 'metrics'], res.text);
    expect({ status, output }).toEqual({ status: 0, output: '' });
  });

  it('has every guard outcome at 0 from the start, labelled by outcome only', async () => {
    const res = await ctx().http().get('/metrics').expect(200);
    for (const outcome of GUARD_OUTCOMES) {
      expect(res.text).toMatch(
        new RegExp(`^widget_guard_decisions_total\\{outcome="${outcome}"\\} \\d+$`, 'm'),
      );
    }
    expect(res.text).toMatch(/^widget_stats_flush_failures_total \d+$/m);
    expect(res.text).toMatch(/^widget_stats_dropped_requests_total \d+$/m);
    expect(res.text).toMatch(/^widget_stats_pending_cells \d+$/m);
  });

  it('counts guard cache misses then hits, and the cached projects', async () => {
    const http = ctx().http();
    const scrape = async () => (await http.get('/metrics').expect(200)).text;
    const before = await scrape();
    for (const series of ['evictions_total', 'hits_total', 'misses_total', 'entries']) {
      expect(value(before, `widget_guard_cache_${series}`)).toBeGreaterThanOrEqual(0);
    }
    const owner = await signUp(http);
    const project = await createProject(http, owner.accessToken, 'Metrics');
    await http.get(`/api/v1/widget/${project.id}/config`).expect(200); // a miss: loaded
    const afterMiss = await scrape();
    expect(value(afterMiss, 'widget_guard_cache_misses_total')).toBeGreaterThan(
      value(before, 'widget_guard_cache_misses_total'),
    );
    expect(value(afterMiss, 'widget_guard_cache_entries')).toBeGreaterThanOrEqual(1);
    await http.get(`/api/v1/widget/${project.id}/config`).expect(200); // a hit: from memory
    const afterHit = await scrape();
    expect(value(afterHit, 'widget_guard_cache_hits_total')).toBeGreaterThan(
      value(afterMiss, 'widget_guard_cache_hits_total'),
    );
    // Each decision is timed: two more observations, none slower than the +Inf bucket.
    const timed = 'widget_guard_decision_duration_seconds_count';
    expect(value(afterHit, timed)).toBe(value(before, timed) + 2);
    expect(afterHit).toMatch(/^widget_guard_decision_duration_seconds_bucket\{le="\+Inf"\} \d+$/m);
  });
});

describeEachDatabase('GET /metrics, connections', (ctx, kind) => {
  const scrape = async () => (await ctx().http().get('/metrics').expect(200)).text;

  it('reads the database pool at scrape time', async () => {
    await signUp(ctx().http()); // a few queries: the pool holds a connection
    const text = await scrape();
    expect(value(text, 'database_pool_connections')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'database_pool_idle_connections')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'database_pool_waiting_requests')).toBeGreaterThanOrEqual(0);
  });

  it('tells whether the LISTEN connection is open (server mode only)', async () => {
    if (kind !== 'postgres') {
      // Embedded: one instance, no LISTEN connection to lose, so no series to alert on.
      expect(await scrape()).not.toMatch(/^widget_security_listener_up /m);
      return;
    }
    expect(value(await scrape(), 'widget_security_listener_up')).toBe(1);
    // Closed for good (as at shutdown; a killed one reconnects within ~100 ms): 0.
    await ctx().app.get(ProjectSecurityListener, { strict: false }).onModuleDestroy();
    expect(value(await scrape(), 'widget_security_listener_up')).toBe(0);
  });
});

describeEachDatabase(
  'GET /metrics, rate limits',
  (ctx) => {
    const rejected = async (rule: string): Promise<number> =>
      value(
        (await ctx().http().get('/metrics').expect(200)).text,
        `rate_limit_rejections_total\\{rule="${rule}"\\}`,
      );

    it('has one series per rate limit rule, every one present from the start', async () => {
      const rules = [
        AUTH_RATE_LIMIT,
        WIDGET_RATE_LIMIT,
        WIDGET_ANY_RATE_LIMIT,
        MEMBER_ADD_RATE_LIMIT,
        LOGIN_FAILURES_LIMIT,
        API_KEY_RATE_LIMIT,
        API_KEY_LOOKUP_LIMIT,
      ];
      expect([...RATE_LIMIT_RULE_NAMES].sort()).toEqual(rules.map((r) => r.name).sort());
      for (const { name } of rules) {
        expect(await rejected(name.replace(/-/g, '_'))).toBeGreaterThanOrEqual(0);
      }
    });

    it('counts a 429 under its rule', async () => {
      const before = await rejected('auth');
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        statuses.push((await ctx().http().post('/api/v1/auth/login').send({})).status);
      }
      expect(statuses).toContain(429);
      expect(await rejected('auth')).toBe(before + statuses.filter((s) => s === 429).length);
    });
  },
  { rateLimitAuthPerMinute: 2 },
);
