import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { SecretKeyCipher } from '../src/secret-keys/secret-key-cipher';
import {
  addMember,
  bearer,
  createProject,
  createProjectTeam,
  ProjectTeam,
} from './helpers/accounts';
import { describeEachDatabase } from './helpers/test-app';

const SECRET_KEY = /^sk_live_[A-Za-z0-9_-]{43}$/;
const SECRET_SHAPE = /sk_live_[A-Za-z0-9_-]{43}/;

/** Every row of every table of the app's schema, as text (bytea in utf8, latin1, hex, base64). */
async function dumpDatabase(dataSource: DataSource): Promise<string> {
  const tables: { name: string }[] = await dataSource.query(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  expect(tables.map((t) => t.name)).toEqual(
    expect.arrayContaining(['projects', 'secret_keys', 'audit_log', 'users']),
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const rows: Record<string, unknown>[] = await dataSource.query(`SELECT * FROM "${name}"`);
    for (const row of rows) {
      for (const value of Object.values(row)) {
        if (Buffer.isBuffer(value)) {
          for (const enc of ['utf8', 'latin1', 'hex', 'base64', 'base64url'] as const) {
            parts.push(value.toString(enc));
          }
        } else parts.push(JSON.stringify(value));
      }
    }
  }
  return parts.join('\n');
}

describeEachDatabase('secret key', (ctx) => {
  const bodies: string[] = [];
  const revealed = new Set<string>();
  let team: ProjectTeam;

  const url = (projectId = team.project.id) => `/api/v1/projects/${projectId}/widget/secret-key`;
  const reveal = async (token = team.owner.accessToken, projectId?: string): Promise<Response> => {
    const res = await ctx().http().get(url(projectId)).set(bearer(token));
    if (res.status === 200) revealed.add(res.body.secretKey);
    else bodies.push(res.text);
    return res;
  };
  const dataSource = () => ctx().app.get(DataSource);
  /** The project's audit entries about its secret key, oldest first, read through the API. */
  const keyAudit = async () => {
    const res = await ctx()
      .http()
      .get(`/api/v1/projects/${team.project.id}/audit-log?limit=100`)
      .set(bearer(team.owner.accessToken))
      .expect(200);
    bodies.push(res.text);
    return (res.body.items as { action: string; actor: unknown; details: unknown }[])
      .filter((entry) => entry.action.startsWith('widget.secret_key.'))
      .map(({ action, actor, details }) => ({ action, actor, details }))
      .reverse();
  };

  beforeAll(async () => {
    team = await createProjectTeam(ctx().http());
  });
  beforeEach(async () => {
    const http = ctx().http();
    const project = await createProject(http, team.owner.accessToken);
    bodies.push(JSON.stringify(project));
    await addMember(http, team.owner.accessToken, project.id, team.admin.email, 'admin');
    await addMember(http, team.owner.accessToken, project.id, team.viewer.email, 'viewer');
    team = { ...team, project };
  });

  it('reveals the current key to the owner, uncached', async () => {
    const res = await reveal();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      secretKey: expect.stringMatching(SECRET_KEY),
      keyEpoch: 1,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(res.headers['cache-control']).toBe('no-store');
    // Revealing again shows the same key: revealing is not rotating.
    expect((await reveal()).body.secretKey).toBe(res.body.secretKey);
  });

  it('gives every project its own key', async () => {
    const other = await createProject(ctx().http(), team.owner.accessToken);
    const a = await reveal();
    const b = await reveal(team.owner.accessToken, other.id);
    expect(a.body.secretKey).not.toBe(b.body.secretKey);
  });

  it('audits every reveal with the epoch only', async () => {
    await reveal();
    await reveal(team.admin.accessToken);
    const action = 'widget.secret_key.revealed';
    expect(await keyAudit()).toEqual([
      {
        action,
        actor: {
          userId: team.owner.user.id,
          email: team.owner.user.email,
          apiKeyId: null,
          apiKeyName: null,
        },
        details: { keyEpoch: 1 },
      },
      {
        action,
        actor: {
          userId: team.admin.user.id,
          email: team.admin.user.email,
          apiKeyId: null,
          apiKeyName: null,
        },
        details: { keyEpoch: 1 },
      },
    ]);
  });

  it('reveals to an admin but not to a viewer', async () => {
    expect((await reveal(team.admin.accessToken)).status).toBe(200);
    const denied = await reveal(team.viewer.accessToken);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');
  });

  it('answers 404 project_not_found to a stranger, an unknown or a malformed id', async () => {
    for (const [token, projectId] of [
      [team.stranger.accessToken, team.project.id],
      [team.owner.accessToken, '00000000-0000-4000-8000-000000000000'],
      [team.owner.accessToken, 'zzz'],
    ]) {
      const res = await reveal(token, projectId);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('project_not_found');
    }
    expect(await keyAudit()).toEqual([]);
  });

  it('answers 401 without an access token', async () => {
    const res = await ctx().http().get(url());
    bodies.push(res.text);
    expect(res.status).toBe(401);
  });

  it('stores the key encrypted, bound to its project and epoch, with a 4-character hint', async () => {
    const { secretKey } = (await reveal()).body;
    const [row] = await dataSource().query(
      `SELECT ciphertext, hint, master_key_version AS version FROM secret_keys
        WHERE project_id = $1 AND epoch = 1`,
      [team.project.id],
    );
    expect(row.hint).toBe(secretKey.slice(-4));
    expect(row.version).toBe(1);
    const cipher = ctx().app.get(SecretKeyCipher);
    expect(cipher.open(row.ciphertext, team.project.id, 1)).toBe(secretKey);
    expect(() => cipher.open(row.ciphertext, team.project.id, 2)).toThrow();
  });

  it('leaves the project endpoints free of secret keys', async () => {
    const http = ctx().http();
    for (const path of [
      `/api/v1/projects/${team.project.id}`,
      '/api/v1/projects',
      `/api/v1/projects/${team.project.id}/members`,
      `/api/v1/projects/${team.project.id}/widget/security`,
    ]) {
      const res = await http.get(path).set(bearer(team.owner.accessToken));
      bodies.push(res.text);
    }
  });

  it('documents both operations in the OpenAPI document', async () => {
    const doc = await ctx().http().get('/docs/openapi.json').expect(200);
    const paths = doc.body.paths;
    expect(paths['/api/v1/projects/{projectId}/widget/secret-key'].get).toBeDefined();
    expect(paths['/api/v1/projects/{projectId}/widget/secret-key/rotate'].post).toBeDefined();
  });

  // These run last (tests run in order), over everything the tests above did.
  it('never put a secret key in another response, a log line or a database row in clear', async () => {
    expect(revealed.size).toBeGreaterThan(3);
    for (const body of bodies) expect(body).not.toMatch(SECRET_SHAPE);
    const logs = ctx().logs.join('\n');
    const rows = await dumpDatabase(dataSource());
    expect(logs).not.toMatch(SECRET_SHAPE);
    expect(rows).not.toMatch(SECRET_SHAPE);
    for (const key of revealed) {
      const body = key.slice('sk_live_'.length);
      for (const text of [logs, rows]) {
        expect(text).not.toContain(body);
        expect(text).not.toContain(body.slice(0, 16));
      }
    }
  });
});
