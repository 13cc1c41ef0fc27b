import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { GUARD_OUTCOMES } from '../src/widget-security/widget-metrics.observer';
import { describeEachDatabase } from './helpers/test-app';

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
});
