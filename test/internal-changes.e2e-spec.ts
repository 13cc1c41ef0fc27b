import { DataSource } from 'typeorm';
import { ProjectChanges } from '../src/database/project-changes';
import { ChangeFeed } from '../src/internal-api/change-feed';
import { DEFAULT_CHANGE_FEED_OPTIONS } from '../src/internal-api/change-feed';
import { bearer, createProject, signUp, type Account } from './helpers/accounts';
import { GUARD, INTERNAL_LISTENER, internalUrl, withToken } from './helpers/internal-api';
import { pollUntil } from './helpers/poll';
import { SseClient } from './helpers/sse-client';
import { describeEachDatabase, startTestApp, type TestApp } from './helpers/test-app';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';
import { rotateSecretKey, updateWidgetSecurity } from './helpers/widget-client';

const BOUND_MS = 1_000; // API.md §10: a committed change reaches every open stream within 1 s

const changesUrl = (ctx: TestApp): string => `${internalUrl(ctx)}${GUARD}/changes`;

async function stateVersion(ctx: TestApp, projectId: string): Promise<number> {
  const res = await fetch(`${internalUrl(ctx)}${GUARD}/projects/${projectId}/state`, {
    headers: withToken,
  });
  return ((await res.json()) as { version: number }).version;
}

describe('change stream defaults', () => {
  it('sends a comment line at least every 15 s', () => {
    expect(DEFAULT_CHANGE_FEED_OPTIONS.heartbeatMs).toBeLessThanOrEqual(15_000);
    expect(DEFAULT_CHANGE_FEED_OPTIONS.pollMs).toBeLessThan(BOUND_MS);
  });
});

describeEachDatabase(
  'Internal API: the change stream (API.md §10)',
  (ctx) => {
    let owner: Account;
    let projectId: string;
    const open: SseClient[] = [];
    const connect = async (headers: Record<string, string> = {}) => {
      const client = await SseClient.open(changesUrl(ctx()), { ...withToken, ...headers });
      open.push(client);
      return client;
    };
    const rows = (id: string) =>
      ctx()
        .app.get(DataSource)
        .query(
          `SELECT seq::int AS seq, version, deleted FROM project_changes
            WHERE project_id = $1 ORDER BY seq`,
          [id],
        ) as Promise<{ seq: number; version: number; deleted: boolean }[]>;

    beforeAll(async () => {
      ctx().app.get(ChangeFeed).configure({ heartbeatMs: 200 });
      owner = await signUp(ctx().http());
      projectId = (await createProject(ctx().http(), owner.accessToken)).id;
    });
    afterEach(() => {
      for (const client of open.splice(0)) client.close();
    });

    it('records one change per committed security change, with the version it made', async () => {
      const http = ctx().http();
      const { id } = await createProject(http, owner.accessToken);
      expect(await rows(id)).toEqual([{ seq: expect.any(Number), version: 1, deleted: false }]);
      await updateWidgetSecurity(http, owner.accessToken, id, { requireToken: true });
      await updateWidgetSecurity(http, owner.accessToken, id, { requireToken: true }); // no-op
      await rotateSecretKey(http, owner.accessToken, id);
      const version = await stateVersion(ctx(), id);
      await http.delete(`/api/v1/projects/${id}`).set(bearer(owner.accessToken));
      const recorded = await rows(id);
      expect(recorded.map((r) => [r.version, r.deleted])).toEqual([
        [1, false],
        [version - 1, false],
        [version, false],
        [version + 1, true],
      ]);
      // Sequence order is commit order.
      expect(recorded.map((r) => r.seq)).toEqual(
        [...recorded.map((r) => r.seq)].sort((a, b) => a - b),
      );
    });

    it('refuses a stream without a service token (401, no stream)', async () => {
      const res = await fetch(changesUrl(ctx()));
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('unauthorized');
    });

    it('starts a fresh client with reset at the newest change, then sends each change within 1 s', async () => {
      const client = await connect();
      expect(client.response.statusCode).toBe(200);
      expect(client.response.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(client.response.headers['cache-control']).toBe('no-store');
      await client.waitFor('reset', (c) => c.events.length > 0);
      const [reset] = client.events;
      expect(reset).toMatchObject({ event: 'reset', id: expect.stringMatching(/^\d+$/) });

      const latencies: number[] = [];
      for (let i = 0; i < 3; i++) {
        await rotateSecretKey(ctx().http(), owner.accessToken, projectId);
        const committed = performance.now();
        const version = await stateVersion(ctx(), projectId);
        await client.waitFor('the rotation', (c) =>
          c.changes().some((e) => e.data.projectId === projectId && e.data.version === version),
        );
        const event = client.events.find((e) => e.data?.includes(`"version":${version}`))!;
        latencies.push(event.at - committed);
      }
      expect(Math.max(...latencies)).toBeLessThan(BOUND_MS);
      const ids = client.changes().map((e) => e.id);
      expect(ids[0]).toBeGreaterThan(Number(reset.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    });

    it('sends a deletion as deleted: true', async () => {
      const { id } = await createProject(ctx().http(), owner.accessToken);
      const client = await connect();
      await client.waitFor('reset', (c) => c.events.length > 0);
      await ctx().http().delete(`/api/v1/projects/${id}`).set(bearer(owner.accessToken));
      await client.waitFor('the deletion', (c) => c.changes().some((e) => e.data.projectId === id));
      expect(client.changes().find((e) => e.data.projectId === id)!.data).toEqual({
        projectId: id,
        version: expect.any(Number),
        deleted: true,
      });
    });

    it('sends a comment line while nothing changes', async () => {
      const client = await connect();
      await client.waitFor('two heartbeats', (c) => c.comments.length >= 2, 3_000);
      expect(client.comments).toContain('keep-alive');
    });

    it('resumes after Last-Event-ID with every change after it, in order, without reset', async () => {
      const first = await connect();
      await first.waitFor('reset', (c) => c.events.length > 0);
      const lastSeen = first.events[0].id!;
      first.close();
      const versions: number[] = [];
      for (let i = 0; i < 3; i++) {
        await updateWidgetSecurity(ctx().http(), owner.accessToken, projectId, {
          allowedOrigins: [`https://site${i}.example.com`],
        });
        versions.push(await stateVersion(ctx(), projectId));
      }
      const again = await connect({ 'Last-Event-ID': lastSeen });
      await again.waitFor('the three changes', (c) => c.changes().length >= 3);
      expect(again.events.some((e) => e.event === 'reset')).toBe(false);
      const mine = again.changes().filter((e) => e.data.projectId === projectId);
      expect(mine.map((e) => e.data.version)).toEqual(versions);
      expect(again.changes()[0].id).toBeGreaterThan(Number(lastSeen));
    });

    it('starts with reset when Last-Event-ID cannot be resumed: pruned, garbage or unknown', async () => {
      const probe = await connect();
      await probe.waitFor('reset', (c) => c.events.length > 0);
      const before = Number(probe.events[0].id);
      await rotateSecretKey(ctx().http(), owner.accessToken, projectId);
      await rotateSecretKey(ctx().http(), owner.accessToken, projectId);
      // Retention down to the newest change only: `before` is gone.
      await ctx().app.get(ProjectChanges).prune({ maxAgeSeconds: 0, maxRows: 0 });
      for (const lastEventId of [String(before), 'garbage', '-1', String(before + 10_000_000)]) {
        const client = await connect({ 'Last-Event-ID': lastEventId });
        await client.waitFor(`reset for ${lastEventId}`, (c) => c.events.length > 0);
        expect(client.events[0]).toMatchObject({ event: 'reset' });
        expect(Number(client.events[0].id)).toBeGreaterThan(before);
      }
    });

    it('forgets a client that vanished', async () => {
      const feed = ctx().app.get(ChangeFeed);
      const client = await connect();
      await client.waitFor('reset', (c) => c.events.length > 0);
      const openBefore = feed.size;
      client.response.socket.destroy();
      await pollUntil('the stream dropped', 3_000, async () => feed.size < openBefore);
    });

    it('bounds what a slow client costs, and lets it catch up without losing a change', async () => {
      const feed = ctx().app.get(ChangeFeed);
      const healthy = await connect();
      const slow = await connect();
      await Promise.all([healthy, slow].map((c) => c.waitFor('reset', (x) => x.events.length > 0)));
      slow.pause();
      const head = Number(healthy.events[0].id);
      const burst = 100_000; // ~9 MB of events: more than the sockets' kernel buffers take (~4 MB)
      // In batches: each statement stays well inside DATABASE_STATEMENT_TIMEOUT_MS.
      for (let done = 0; done < burst; done += 10_000) {
        await ctx()
          .app.get(DataSource)
          .query(
            `INSERT INTO project_changes (project_id, version)
             SELECT gen_random_uuid(), g FROM generate_series(1, 10000) g`,
          );
      }
      let largest = 0;
      await pollUntil('the healthy client got the burst', 60_000, async () => {
        largest = Math.max(largest, feed.largestUnreadBytes);
        return healthy.changeCount >= burst;
      });
      expect(feed.pausedCount).toBe(1);
      const { maxBufferedBytes, pageSize } = DEFAULT_CHANGE_FEED_OPTIONS;
      // At most the budget plus one page of ~100-byte events, whatever the burst.
      expect(largest).toBeLessThanOrEqual(maxBufferedBytes + pageSize * 120);

      slow.resume();
      await pollUntil('the slow client caught up', 60_000, async () => slow.changeCount >= burst);
      const ids = slow.changes().map((e) => e.id);
      expect(ids[0]).toBeGreaterThan(head);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(healthy.changes().map((e) => e.id));
      expect(feed.pausedCount).toBe(0);
    });
  },
  INTERNAL_LISTENER,
);

const url = process.env.TEST_DATABASE_URL;
if (!url) {
  console.log(
    'internal-changes: the two-instance case needs a shared PostgreSQL server; set ' +
      'TEST_DATABASE_URL (embedded PGlite is one process, one instance).',
  );
}

(url ? describe : describe.skip)('the change stream across two instances [postgres]', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    a = await startTestApp(db);
    b = await startTestApp(db, {
      ...INTERNAL_LISTENER,
      authJwtSecret: a.config.authJwtSecret,
      secretsMasterKey: a.config.secretsMasterKey,
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db?.drop();
  });

  it('a change committed on another instance reaches the stream within 1 s', async () => {
    const owner = await signUp(a.http());
    const { id } = await createProject(a.http(), owner.accessToken);
    const client = await SseClient.open(changesUrl(b), withToken);
    try {
      await client.waitFor('reset', (c) => c.events.length > 0);
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        await rotateSecretKey(a.http(), owner.accessToken, id);
        const committed = performance.now();
        const seen = client.changes().length;
        await client.waitFor('the rotation on A', (c) => c.changes().length > seen, BOUND_MS * 3);
        latencies.push(client.events.filter((e) => e.event === undefined)[seen].at - committed);
      }
      expect(Math.max(...latencies)).toBeLessThan(BOUND_MS);
    } finally {
      client.close();
    }
  });
});
