import { auditActor } from '../src/audit/audit.service';
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { ProjectChanges } from '../src/database/project-changes';
import { ProjectMembership } from '../src/projects/project-access';
import { KeyRotationService } from '../src/secret-keys/key-rotation.service';
import { SecretKeysService } from '../src/secret-keys/secret-keys.service';
import { SecurityStateService } from '../src/secret-keys/security-state.service';
import {
  addMember,
  bearer,
  createProject,
  createProjectTeam,
  ProjectTeam,
} from './helpers/accounts';
import { describeEachDatabase, startTestApp, TestApp } from './helpers/test-app';

const SECRET_KEY = /^sk_live_[A-Za-z0-9_-]{43}$/;
const SECRET_SHAPE = /sk_live_[A-Za-z0-9_-]{43}/;

/** A project made the way the projects module does: the row and its key of epoch 1. */
async function seedProject(app: TestApp): Promise<string> {
  const dataSource = app.app.get(DataSource);
  const secretKeys = app.app.get(SecretKeysService);
  return dataSource.transaction(async (manager) => {
    const [{ id }]: { id: string }[] = await manager.query(
      `INSERT INTO projects (name) VALUES ('port probe') RETURNING id`,
    );
    await secretKeys.issueKey(manager, id, 1);
    return id;
  });
}

function owner(projectId: string): ProjectMembership {
  const user = { id: randomUUID(), email: 'owner@example.com' };
  return { projectId, role: 'owner', user, actor: auditActor(user) };
}

describeEachDatabase('security state port', (ctx, kind) => {
  const port = () => ctx().app.get(SecurityStateService);
  const rotation = () => ctx().app.get(KeyRotationService);

  it('loads the whole state of a new project with its key decrypted', async () => {
    const id = await seedProject(ctx());
    const state = await port().loadSecurityState(id.toUpperCase());
    expect(state).toEqual({
      projectId: id,
      securityVersion: 1,
      keyEpoch: 1,
      requireToken: false,
      allowedOrigins: [],
      maxTokenLifetimeSeconds: null,
      keyExposedAt: null,
      current: { epoch: 1, secret: expect.stringMatching(/^sk_live_[A-Za-z0-9_-]{43}$/) },
      previous: null,
      retired: [],
    });
  });

  it('follows rotations: previous key during the grace, retired keys after, newest first', async () => {
    const id = await seedProject(ctx());
    const first = await rotation().rotate(owner(id), 0);
    const second = await rotation().rotate(owner(id), 3600);
    const state = await port().loadSecurityState(id);
    expect(state).toMatchObject({
      keyEpoch: 3,
      securityVersion: 3,
      current: { epoch: 3, secret: second.secretKey },
      previous: { epoch: 2, secret: first.secretKey, expiresAt: second.previousKeyExpiresAt },
      retired: [{ epoch: 1, secret: expect.any(String) }],
    });

    // Rotating again ends the grace: epoch 3 is retired at once, not a previous key.
    await rotation().rotate(owner(id), 0);
    const after = await port().loadSecurityState(id);
    expect(after?.previous).toBeNull();
    expect(after?.retired.map((k) => k.epoch)).toEqual([3, 2, 1]);
    expect(after?.retired[0].secret).toBe(second.secretKey);
  });

  it('keeps telling the 10 newest retired keys', async () => {
    const id = await seedProject(ctx());
    for (let i = 0; i < 12; i++) await rotation().rotate(owner(id), 0);
    const state = await port().loadSecurityState(id);
    expect(state?.current.epoch).toBe(13);
    expect(state?.retired.map((k) => k.epoch)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
    const stored = await ctx()
      .app.get(DataSource)
      .query(`SELECT count(*)::int AS n FROM secret_keys WHERE project_id = $1`, [id]);
    expect(stored[0].n).toBe(13); // retired keys stay stored
  });

  it('answers null for a malformed, unknown or deleted project', async () => {
    const id = await seedProject(ctx());
    await ctx()
      .app.get(DataSource)
      .query(`UPDATE projects SET deleted_at = now() WHERE id = $1`, [id]);
    await expect(port().loadSecurityState(id)).resolves.toBeNull();
    await expect(port().loadSecurityState(randomUUID())).resolves.toBeNull();
    await expect(port().loadSecurityState('not-a-uuid')).resolves.toBeNull();
    await expect(port().loadSecurityState("'; DROP TABLE projects; --")).resolves.toBeNull();
  });

  it('reads security versions in bulk, leaving out unknown, malformed and deleted ids', async () => {
    const a = await seedProject(ctx());
    const b = await seedProject(ctx());
    const gone = await seedProject(ctx());
    await rotation().rotate(owner(b), 0);
    await ctx()
      .app.get(DataSource)
      .query(`UPDATE projects SET deleted_at = now() WHERE id = $1`, [gone]);
    const versions = await port().securityVersions([a, b.toUpperCase(), gone, randomUUID(), 'x']);
    expect(versions).toEqual(
      new Map([
        [a, 1],
        [b, 2],
      ]),
    );
    await expect(port().securityVersions([])).resolves.toEqual(new Map());
  });

  it('announces a rotation only after it committed', async () => {
    const id = await seedProject(ctx());
    const dataSource = ctx().app.get(DataSource);
    const seen: number[] = [];
    const stop = ctx()
      .app.get(ProjectChanges)
      .onChange((changed) => {
        if (changed !== id) return;
        // Read outside the rotation's transaction: the change must already be visible.
        void dataSource
          .query(`SELECT key_epoch FROM projects WHERE id = $1`, [id])
          .then((rows: { key_epoch: number }[]) => seen.push(rows[0].key_epoch));
      });
    try {
      await rotation().rotate(owner(id), 0);
      const deadline = Date.now() + 5000;
      while (seen.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      expect(seen).toEqual([2]);
    } finally {
      stop();
    }
  });

  if (kind === 'postgres') {
    // Through the services, not HTTP: two Nest apps in one process share passport's global
    // strategy registry, so a second app's dashboard auth would outlive it.
    it('serializes rotations made by two instances sharing the database', async () => {
      const id = await seedProject(ctx());
      const other = await startTestApp(ctx().db, {
        authJwtSecret: ctx().config.authJwtSecret,
        secretsMasterKey: ctx().config.secretsMasterKey,
      });
      try {
        const instances = [rotation(), other.app.get(KeyRotationService)];
        const responses = await Promise.all(
          Array.from({ length: 20 }, (_, i) => instances[i % 2].rotate(owner(id), 0)),
        );
        const epochs = responses.map((r) => r.keyEpoch).sort((a, b) => a - b);
        expect(epochs).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
        const state = await other.app.get(SecurityStateService).loadSecurityState(id);
        expect(state).toMatchObject({ keyEpoch: 21, securityVersion: 21 });
        expect(state?.current.secret).toBe(responses.find((r) => r.keyEpoch === 21)?.secretKey);
      } finally {
        await other.close();
      }
    });
  }
});

describeEachDatabase('key rotation', (ctx) => {
  /** Every response body that is neither a reveal nor a rotation: none may hold a key. */
  const bodies: string[] = [];
  let team: ProjectTeam;

  const base = (projectId = team.project.id) => `/api/v1/projects/${projectId}/widget`;
  const rotate = async (
    body?: unknown,
    token = team.owner.accessToken,
    projectId?: string,
  ): Promise<Response> => {
    let req = ctx()
      .http()
      .post(`${base(projectId)}/secret-key/rotate`)
      .set(bearer(token));
    if (body !== undefined) {
      req = req.set('Content-Type', 'application/json').send(JSON.stringify(body));
    }
    const res = await req;
    if (res.status !== 200) bodies.push(res.text);
    return res;
  };
  const reveal = async (): Promise<Response> =>
    ctx().http().get(`${base()}/secret-key`).set(bearer(team.owner.accessToken)).expect(200);
  const settings = async (): Promise<Response> => {
    const res = await ctx()
      .http()
      .get(`${base()}/security`)
      .set(bearer(team.owner.accessToken))
      .expect(200);
    bodies.push(res.text);
    return res;
  };
  const dataSource = () => ctx().app.get(DataSource);
  const projectRow = async () =>
    (
      await dataSource().query(
        `SELECT key_epoch AS "keyEpoch", security_version AS "securityVersion",
                key_exposed_at AS "keyExposedAt" FROM projects WHERE id = $1`,
        [team.project.id],
      )
    )[0];
  /** The rotation entries of the audit log, oldest first, read through the API. */
  type RotationDetails = { keyEpoch: number; gracePeriodSeconds: number };
  const rotationAudit = async (): Promise<{ userId: string; details: RotationDetails }[]> => {
    const res = await ctx()
      .http()
      .get(`/api/v1/projects/${team.project.id}/audit-log?limit=100`)
      .set(bearer(team.owner.accessToken))
      .expect(200);
    bodies.push(res.text);
    type Entry = { action: string; actor: { userId: string }; details: RotationDetails };
    return (res.body.items as Entry[])
      .filter((entry) => entry.action === 'widget.secret_key.rotated')
      .map(({ actor, details }) => ({ userId: actor.userId, details }))
      .reverse();
  };

  beforeAll(async () => {
    team = await createProjectTeam(ctx().http());
  });
  beforeEach(async () => {
    const http = ctx().http();
    const project = await createProject(http, team.owner.accessToken);
    await addMember(http, team.owner.accessToken, project.id, team.admin.email, 'admin');
    await addMember(http, team.owner.accessToken, project.id, team.viewer.email, 'viewer');
    team = { ...team, project };
  });

  it('makes a new key at epoch + 1, uncached, with no grace by default', async () => {
    const old = (await reveal()).body.secretKey;
    const before = await projectRow();
    const res = await rotate();
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      secretKey: expect.stringMatching(SECRET_KEY),
      keyEpoch: 2,
      rotatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      previousKeyExpiresAt: null,
    });
    expect(res.body.secretKey).not.toBe(old);
    expect(await projectRow()).toMatchObject({
      keyEpoch: 2,
      securityVersion: before.securityVersion + 1,
    });

    const shown = (await reveal()).body;
    expect(shown).toMatchObject({ secretKey: res.body.secretKey, keyEpoch: 2 });
    expect((await settings()).body).toMatchObject({
      keyEpoch: 2,
      secretKeyHint: `sk_live_…${res.body.secretKey.slice(-4)}`,
      keyRotatedAt: res.body.rotatedAt,
      previousKeyExpiresAt: null,
    });
  });

  it.each([[{}], [{ gracePeriodSeconds: 0 }]])('reads %j as no grace', async (body) => {
    const res = await rotate(body);
    expect(res.status).toBe(200);
    expect(res.body.previousKeyExpiresAt).toBeNull();
  });

  it('keeps the previous key until rotatedAt + grace, and rotating again ends it', async () => {
    const first = await rotate({ gracePeriodSeconds: 3600 });
    expect(first.status).toBe(200);
    expect(Date.parse(first.body.previousKeyExpiresAt) - Date.parse(first.body.rotatedAt)).toBe(
      3600_000,
    );
    expect((await settings()).body.previousKeyExpiresAt).toBe(first.body.previousKeyExpiresAt);
    const graced = await ctx().app.get(SecurityStateService).loadSecurityState(team.project.id);
    expect(graced?.previous).toMatchObject({ epoch: 1 });

    const week = await rotate({ gracePeriodSeconds: 604800 });
    expect(week.status).toBe(200);
    expect(Date.parse(week.body.previousKeyExpiresAt) - Date.parse(week.body.rotatedAt)).toBe(
      604800_000,
    );

    const again = await rotate({ gracePeriodSeconds: 0 });
    expect(again.body).toMatchObject({ keyEpoch: 4, previousKeyExpiresAt: null });
    expect((await settings()).body.previousKeyExpiresAt).toBeNull();
    const state = await ctx().app.get(SecurityStateService).loadSecurityState(team.project.id);
    expect(state?.previous).toBeNull();
    expect(state?.retired.map((k) => k.epoch)).toEqual([3, 2, 1]);
    expect(state?.retired[0].secret).toBe(week.body.secretKey);
  });

  it('audits each rotation with the new epoch and the grace, never the key', async () => {
    await rotate();
    await rotate({ gracePeriodSeconds: 120 }, team.admin.accessToken);
    expect(await rotationAudit()).toEqual([
      { userId: team.owner.user.id, details: { keyEpoch: 2, gracePeriodSeconds: 0 } },
      { userId: team.admin.user.id, details: { keyEpoch: 3, gracePeriodSeconds: 120 } },
    ]);
  });

  it('clears a recorded exposure of the old key', async () => {
    await dataSource().query(`UPDATE projects SET key_exposed_at = now() WHERE id = $1`, [
      team.project.id,
    ]);
    expect((await projectRow()).keyExposedAt).not.toBeNull();
    await rotate();
    expect((await projectRow()).keyExposedAt).toBeNull();
  });

  it.each([
    [{ gracePeriodSeconds: -1 }],
    [{ gracePeriodSeconds: 604801 }],
    [{ gracePeriodSeconds: 1.5 }],
    [{ gracePeriodSeconds: '60' }],
    [{ gracePeriodSeconds: null }],
    [{ gracePeriodSeconds: true }],
    [{ gracePeriodSeconds: 1e308 }],
  ])('refuses %j and rotates nothing', async (body) => {
    const res = await rotate(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'gracePeriodSeconds', message: expect.stringMatching(/0 to 604800/) }],
    });
    expect((await projectRow()).keyEpoch).toBe(1);
  });

  it.each([[{ grace: 60 }], [null], [[]], ['60'], [60]])(
    'refuses the body %j and rotates nothing',
    async (body) => {
      const res = await rotate(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect((await projectRow()).keyEpoch).toBe(1);
    },
  );

  it('lets owners and admins rotate, not viewers; strangers get 404', async () => {
    const viewer = await rotate({}, team.viewer.accessToken);
    expect(viewer.status).toBe(403);
    expect(viewer.body.code).toBe('forbidden');
    for (const [token, projectId] of [
      [team.stranger.accessToken, team.project.id],
      [team.owner.accessToken, '00000000-0000-4000-8000-000000000000'],
      [team.owner.accessToken, 'nope'],
    ]) {
      const res = await rotate({}, token, projectId);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('project_not_found');
    }
    const unauthenticated = await ctx().http().post(`${base()}/secret-key/rotate`).send({});
    bodies.push(unauthenticated.text);
    expect(unauthenticated.status).toBe(401);
    expect((await projectRow()).keyEpoch).toBe(1);
    expect((await rotate({}, team.admin.accessToken)).body.keyEpoch).toBe(2);
  });

  it('serializes 20 concurrent rotations: 20 distinct epochs, +20, the highest one active', async () => {
    const before = await projectRow();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        rotate({ gracePeriodSeconds: i }, i % 2 ? team.admin.accessToken : undefined),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const epochs = responses.map((r) => r.body.keyEpoch as number).sort((a, b) => a - b);
    expect(epochs).toEqual(Array.from({ length: 20 }, (_, i) => before.keyEpoch + 1 + i));
    expect(new Set(responses.map((r) => r.body.secretKey)).size).toBe(20);
    // The clock is read under the lock, so a later epoch never has an earlier rotation time.
    const byEpoch = [...responses].sort((a, b) => a.body.keyEpoch - b.body.keyEpoch);
    for (let i = 1; i < byEpoch.length; i++) {
      expect(Date.parse(byEpoch[i].body.rotatedAt)).toBeGreaterThanOrEqual(
        Date.parse(byEpoch[i - 1].body.rotatedAt),
      );
    }

    const after = await projectRow();
    expect(after.keyEpoch).toBe(before.keyEpoch + 20);
    expect(after.securityVersion).toBe(before.securityVersion + 20);
    const highest = responses.find((r) => r.body.keyEpoch === after.keyEpoch)!;
    expect((await reveal()).body).toMatchObject({
      secretKey: highest.body.secretKey,
      keyEpoch: after.keyEpoch,
    });
    // Each response's grace is the one that rotation asked for, and only the last counts.
    const state = await ctx().app.get(SecurityStateService).loadSecurityState(team.project.id);
    expect(state?.current.secret).toBe(highest.body.secretKey);
    const audited = (await rotationAudit()).map((e) => e.details.keyEpoch);
    expect(audited).toEqual(epochs);
  }, 60_000);

  // Runs last (tests run in order), over everything the tests above did.
  it('never put a key in another response, a log line or a database row in clear', async () => {
    expect(bodies.length).toBeGreaterThan(15);
    for (const body of bodies) expect(body).not.toMatch(SECRET_SHAPE);
    for (const line of ctx().logs) expect(line).not.toMatch(SECRET_SHAPE);
    const tables: { name: string }[] = await dataSource().query(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    );
    for (const { name } of tables) {
      const rows: Record<string, unknown>[] = await dataSource().query(`SELECT * FROM "${name}"`);
      for (const row of rows) {
        for (const value of Object.values(row)) {
          const texts = Buffer.isBuffer(value)
            ? [value.toString('utf8'), value.toString('latin1')]
            : [JSON.stringify(value)];
          for (const text of texts) expect(text).not.toMatch(SECRET_SHAPE);
        }
      }
    }
  });
});
