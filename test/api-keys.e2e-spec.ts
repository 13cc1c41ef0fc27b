import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { bearer, createProject, createProjectTeam, type ProjectTeam } from './helpers/accounts';
import { apiKeysUrl, createApiKey, revokeApiKey } from './helpers/api-keys';
import { pollUntil } from './helpers/poll';
import { describeEachDatabase } from './helpers/test-app';
import { ApiKeyUsage } from '../src/api-keys/api-key-usage';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY = /^hsk_[A-Za-z0-9_-]{43}$/;
const DAY_MS = 86_400_000;

/** API.md §9: creating, listing and revoking a project's API keys (dashboard users only). */
describeEachDatabase('API keys: managing them', (ctx) => {
  const http = () => ctx().http();
  let team: ProjectTeam;
  let projectId: string;

  beforeAll(async () => {
    team = await createProjectTeam(http());
    projectId = team.project.id;
  });

  describe('POST /projects/:projectId/api-keys', () => {
    it('answers 201 apiKey plus the key, once, with Cache-Control: no-store', async () => {
      const res = await http()
        .post(apiKeysUrl(projectId))
        .set(bearer(team.admin.accessToken))
        .send({ name: '  CI deploy  ', role: 'admin' });
      expect(res.status).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        name: 'CI deploy',
        role: 'admin',
        keyPrefix: res.body.key.slice(0, 12),
        createdAt: expect.stringMatching(ISO),
        expiresAt: null,
        lastUsedAt: null,
        createdBy: { userId: team.admin.user.id, email: team.admin.user.email },
        key: expect.stringMatching(KEY),
      });
      expect(res.body.keyPrefix).toMatch(/^hsk_.{8}$/);
      // Never again: the list shows the prefix only.
      const list = await http().get(apiKeysUrl(projectId)).set(bearer(team.owner.accessToken));
      expect(list.text).not.toContain(res.body.key);
      expect(list.body.items[0]).toEqual({ ...res.body, key: undefined });
    });

    it('keeps only the SHA-256 digest of the key', async () => {
      const created = await createApiKey(http(), team.owner.accessToken, projectId);
      const rows = await ctx()
        .app.get(DataSource)
        .query(`SELECT row_to_json(k)::text AS row, key_digest FROM api_keys k WHERE id = $1`, [
          created.id,
        ]);
      const digest = createHash('sha256').update(created.key).digest();
      expect(Buffer.from(rows[0].key_digest).equals(digest)).toBe(true);
      expect(rows[0].row).not.toContain(created.key.slice(12));
    });

    it('sets expiresAt expiresInDays days ahead; null or absent means never', async () => {
      const before = Date.now();
      const in30 = await createApiKey(http(), team.owner.accessToken, projectId, {
        expiresInDays: 30,
      });
      const expiresAt = Date.parse(in30.expiresAt!);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY_MS - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS + 1000);
      for (const days of [1, 365]) {
        const key = await createApiKey(http(), team.owner.accessToken, projectId, {
          expiresInDays: days,
        });
        expect(key.expiresAt).toEqual(expect.stringMatching(ISO));
      }
      const never = await createApiKey(http(), team.owner.accessToken, projectId, {
        expiresInDays: null,
        role: 'viewer',
      });
      expect([never.expiresAt, never.role]).toEqual([null, 'viewer']);
    });

    it.each([
      [{ name: '', role: 'admin' }, 'name'],
      [{ name: '   ', role: 'admin' }, 'name'],
      [{ name: 'x'.repeat(101), role: 'admin' }, 'name'],
      [{ role: 'admin' }, 'name'],
      [{ name: 'k', role: 'owner' }, 'role'],
      [{ name: 'k', role: 'superuser' }, 'role'],
      [{ name: 'k' }, 'role'],
      [{ name: 'k', role: 'admin', expiresInDays: 0 }, 'expiresInDays'],
      [{ name: 'k', role: 'admin', expiresInDays: 366 }, 'expiresInDays'],
      [{ name: 'k', role: 'admin', expiresInDays: 1.5 }, 'expiresInDays'],
      [{ name: 'k', role: 'admin', expiresInDays: '7' }, 'expiresInDays'],
      [{ name: 'k', role: 'admin', key: 'hsk_mine' }, 'key'],
    ])('refuses %j with 400 validation_failed naming %s', async (body, field) => {
      const res = await http()
        .post(apiKeysUrl(projectId))
        .set(bearer(team.owner.accessToken))
        .send(body);
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });
  });

  describe('who may manage keys', () => {
    it('refuses viewers (403 forbidden) and non-members (404 project_not_found)', async () => {
      const key = await createApiKey(http(), team.owner.accessToken, projectId);
      const calls = [
        (t: string) =>
          http().post(apiKeysUrl(projectId)).set(bearer(t)).send({ name: 'k', role: 'viewer' }),
        (t: string) => http().get(apiKeysUrl(projectId)).set(bearer(t)),
        (t: string) => http().delete(apiKeysUrl(projectId, key.id)).set(bearer(t)),
      ];
      for (const call of calls) {
        const viewer = await call(team.viewer.accessToken);
        expect([viewer.status, viewer.body.code]).toEqual([403, 'forbidden']);
        const stranger = await call(team.stranger.accessToken);
        expect([stranger.status, stranger.body.code]).toEqual([404, 'project_not_found']);
      }
    });

    it('refuses every API key, even an admin one, with 403 forbidden', async () => {
      const admin = await createApiKey(http(), team.owner.accessToken, projectId);
      const other = await createApiKey(http(), team.owner.accessToken, projectId);
      const calls = [
        http()
          .post(apiKeysUrl(projectId))
          .set(bearer(admin.key))
          .send({ name: 'k', role: 'admin' }),
        http().get(apiKeysUrl(projectId)).set(bearer(admin.key)),
        http().delete(apiKeysUrl(projectId, other.id)).set(bearer(admin.key)),
        http().delete(apiKeysUrl(projectId, admin.id)).set(bearer(admin.key)),
      ];
      for (const res of await Promise.all(calls)) {
        expect([res.status, res.body.code]).toEqual([403, 'forbidden']);
      }
    });
  });

  describe('GET /projects/:projectId/api-keys', () => {
    it('lists the live keys newest first, with limit and cursor (API.md §0)', async () => {
      const { id } = await createProject(http(), team.owner.accessToken, 'list project');
      const made = [];
      for (let i = 0; i < 5; i++) {
        made.push(await createApiKey(http(), team.owner.accessToken, id, { name: `k${i}` }));
      }
      await revokeApiKey(http(), team.owner.accessToken, id, made[2].id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: Record<string, string | number> = cursor ? { limit: 2, cursor } : { limit: 2 };
        const res = await http()
          .get(apiKeysUrl(id))
          .query(query)
          .set(bearer(team.owner.accessToken))
          .expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((k: { name: string }) => k.name));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['k4', 'k3', 'k1', 'k0']);
      const bad = await http()
        .get(apiKeysUrl(id))
        .query({ limit: 101 })
        .set(bearer(team.owner.accessToken));
      expect([bad.status, bad.body.code]).toEqual([400, 'validation_failed']);
    });
  });

  describe('DELETE /projects/:projectId/api-keys/:apiKeyId', () => {
    it('answers 204, then the key is refused (401) and no longer listed', async () => {
      const key = await createApiKey(http(), team.owner.accessToken, projectId);
      await http().get(`/api/v1/projects/${projectId}`).set(bearer(key.key)).expect(200);
      const res = await http()
        .delete(apiKeysUrl(projectId, key.id))
        .set(bearer(team.admin.accessToken));
      expect([res.status, res.text]).toEqual([204, '']);
      const refused = await http().get(`/api/v1/projects/${projectId}`).set(bearer(key.key));
      expect([refused.status, refused.body.code]).toEqual([401, 'unauthorized']);
      const list = await http()
        .get(apiKeysUrl(projectId))
        .query({ limit: 100 })
        .set(bearer(team.owner.accessToken));
      expect(list.body.items.map((k: { id: string }) => k.id)).not.toContain(key.id);
    });

    it('answers 404 api_key_not_found for a revoked, unknown, malformed or foreign key id', async () => {
      const key = await createApiKey(http(), team.owner.accessToken, projectId);
      await revokeApiKey(http(), team.owner.accessToken, projectId, key.id);
      const other = await createProject(http(), team.owner.accessToken, 'other');
      const foreign = await createApiKey(http(), team.owner.accessToken, other.id);
      for (const id of [key.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid', foreign.id]) {
        const res = await http()
          .delete(apiKeysUrl(projectId, id))
          .set(bearer(team.owner.accessToken));
        expect([res.status, res.body.code]).toEqual([404, 'api_key_not_found']);
      }
      await http().get(`/api/v1/projects/${other.id}`).set(bearer(foreign.key)).expect(200);
    });
  });

  describe('quota', () => {
    it('allows 25 live keys per project: 429 quota_exceeded naming the limit, revoked ones free a place', async () => {
      const { id } = await createProject(http(), team.owner.accessToken, 'quota project');
      // Concurrent creations serialize on the project row: exactly 25 succeed.
      const results = await Promise.all(
        Array.from({ length: 28 }, (_, i) =>
          http()
            .post(apiKeysUrl(id))
            .set(bearer(team.owner.accessToken))
            .send({ name: `q${i}`, role: 'viewer' }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(25);
      const refused = results.find((r) => r.status !== 201)!;
      expect([refused.status, refused.body.code]).toEqual([429, 'quota_exceeded']);
      expect(refused.body.message).toContain('25');
      await revokeApiKey(
        http(),
        team.owner.accessToken,
        id,
        results.find((r) => r.status === 201)!.body.id,
      );
      await createApiKey(http(), team.owner.accessToken, id);
      const again = await http()
        .post(apiKeysUrl(id))
        .set(bearer(team.owner.accessToken))
        .send({ name: 'x', role: 'admin' });
      expect([again.status, again.body.code]).toEqual([429, 'quota_exceeded']);
    });
  });

  describe('lastUsedAt', () => {
    it('is written off the request path, and at most about once a minute per key', async () => {
      const key = await createApiKey(http(), team.owner.accessToken, projectId);
      const lastUsed = async () => {
        const list = await http()
          .get(apiKeysUrl(projectId))
          .query({ limit: 100 })
          .set(bearer(team.owner.accessToken));
        return list.body.items.find((k: { id: string }) => k.id === key.id).lastUsedAt as
          string | null;
      };
      expect(await lastUsed()).toBeNull();
      const before = Date.now();
      await http().get(`/api/v1/projects/${projectId}`).set(bearer(key.key)).expect(200);
      // Written by the background flush, not by the request (poll, no flush called).
      const first = await pollUntil(
        'lastUsedAt written',
        5_000,
        async () => (await lastUsed()) ?? false,
      );
      expect(Date.parse(first)).toBeGreaterThanOrEqual(before - 1000);
      for (let i = 0; i < 5; i++) {
        await http().get(`/api/v1/projects/${projectId}`).set(bearer(key.key)).expect(200);
      }
      await ctx().app.get(ApiKeyUsage).flush();
      expect(await lastUsed()).toBe(first);
    });
  });
});
