import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bearer, createProject, signUp } from './helpers/accounts';
import { createApiKey } from './helpers/api-keys';
import { describeEachDatabase } from './helpers/test-app';
import { mintToken, revealSecretKey, widgetUrl } from './helpers/widget-client';

const SCRIPT = join(__dirname, '..', 'scripts', 'ci-rotate-widget-key.sh');
const run = promisify(execFile);

/**
 * A CI job as a customer runs it: a real shell script with curl, holding only an API key,
 * against the service listening on a real port. It rotates with a grace period, reads the
 * new key, signs a token with jsonwebtoken as the seed's Node snippet does, and checks the
 * widget API accepts it.
 */
describeEachDatabase('a CI job rotating the widget key with an API key', (ctx) => {
  let baseUrl: string;

  beforeAll(async () => {
    await ctx().app.listen(0, '127.0.0.1');
    const { port } = ctx().app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
  });

  it('rotates, reads the new key, mints a token with it and sees the widget API accept it', async () => {
    const http = ctx().http();
    const owner = await signUp(http);
    const { id: projectId } = await createProject(http, owner.accessToken);
    const oldKey = await revealSecretKey(http, owner.accessToken, projectId);
    const apiKey = await createApiKey(http, owner.accessToken, projectId, { name: 'CI' });

    const { stdout, stderr } = await run('bash', [SCRIPT], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_PATH: join(__dirname, '..', 'node_modules'),
        HISSUNO_API: baseUrl,
        HISSUNO_PROJECT_ID: projectId,
        HISSUNO_API_KEY: apiKey.key,
        GRACE_PERIOD_SECONDS: '600',
      },
      timeout: 30_000,
    });
    expect(stdout).toContain('rotated to key epoch 2 (grace 600s)');
    const newKey = await revealSecretKey(http, owner.accessToken, projectId);
    expect(newKey).not.toBe(oldKey);
    // The job's log holds no secret: neither the API key nor either secret key.
    for (const secret of [apiKey.key, oldKey, newKey]) {
      expect(stdout + stderr).not.toContain(secret);
    }

    const security = await http
      .get(`/api/v1/projects/${projectId}/widget/security`)
      .set(bearer(owner.accessToken))
      .expect(200);
    expect(security.body.keyEpoch).toBe(2);
    expect(Date.parse(security.body.previousKeyExpiresAt)).toBeGreaterThan(Date.now() + 500_000);
    // During the grace period both keys' tokens work; the audit log names the API key.
    for (const key of [oldKey, newKey]) {
      const res = await http
        .get(widgetUrl(projectId, '/config'))
        .set(bearer(mintToken(key, { userId: 'u' })));
      expect(res.body.identity).toMatchObject({ verified: true, userId: 'u' });
    }
    const log = await http
      .get(`/api/v1/projects/${projectId}/audit-log`)
      .set(bearer(owner.accessToken))
      .expect(200);
    const byKey = { userId: null, email: null, apiKeyId: apiKey.id, apiKeyName: 'CI' };
    expect(log.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'widget.secret_key.rotated',
          actor: byKey,
          details: { keyEpoch: 2, gracePeriodSeconds: 600 },
        }),
        expect.objectContaining({ action: 'widget.secret_key.revealed', actor: byKey }),
      ]),
    );
  });

  it('fails (non-zero exit) with a revoked API key, printing no secret', async () => {
    const http = ctx().http();
    const owner = await signUp(http);
    const { id: projectId } = await createProject(http, owner.accessToken);
    const apiKey = await createApiKey(http, owner.accessToken, projectId, { name: 'CI' });
    await http
      .delete(`/api/v1/projects/${projectId}/api-keys/${apiKey.id}`)
      .set(bearer(owner.accessToken))
      .expect(204);
    const failure = await run('bash', [SCRIPT], {
      env: {
        PATH: process.env.PATH ?? '',
        HISSUNO_API: baseUrl,
        HISSUNO_PROJECT_ID: projectId,
        HISSUNO_API_KEY: apiKey.key,
      },
    }).then(
      () => null,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).not.toBe(0);
    expect(failure!.stdout + failure!.stderr).not.toContain(apiKey.key);
    expect(failure!.stderr).toContain('401');
  });
});
