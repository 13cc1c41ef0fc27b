import { committedChanges, emptyWriteLog, findInconsistencies } from './helpers/consistency';
import { call, createProjectOver, signUpOver, until } from './helpers/http-client';
import { ServiceProcess, serviceEnv } from './helpers/service-process';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';
import { mintToken } from './helpers/widget-client';
import { WriteStorm } from './helpers/write-storm';

const ROUNDS = 5;
const WORKERS = 12;
const PROJECTS = 3;

/**
 * The built service as a child process on real PostgreSQL, SIGKILLed in the middle of a
 * storm of concurrent rotations and settings changes, then started again on the same schema.
 */
describe('crash consistency [postgres, service process]', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    env = serviceEnv(db);
    service = await ServiceProcess.start(env);
  });

  afterAll(async () => {
    await service?.kill('SIGKILL');
    await db?.drop();
  });

  it('keeps every key, epoch and audit entry whole across SIGKILLs mid-storm', async () => {
    const { accessToken } = await signUpOver(service!.url);
    const projectIds: string[] = [];
    for (let i = 0; i < PROJECTS; i++)
      projectIds.push(await createProjectOver(service!.url, accessToken));
    const log = emptyWriteLog();
    const masterKey = Buffer.from(env.SECRETS_MASTER_KEY, 'hex');

    for (let round = 1; round <= ROUNDS; round++) {
      const storm = new WriteStorm([service!.url], accessToken, projectIds, log, `crash${round}`);
      storm.start(WORKERS, true);
      // Kill once the storm is well under way (a different moment each round), with writes in flight.
      const after = 10 + Math.floor(Math.random() * 30);
      await until(
        'a storm in full swing',
        () => storm.ok >= after && storm.inFlight >= WORKERS / 2,
        30_000,
        1,
      );
      const inFlight = storm.inFlight;
      await service!.kill('SIGKILL');
      await storm.stop();
      const answered = Object.fromEntries(storm.answers);
      // Before the kill every write was answered 200; after it, none was answered at all.
      expect(Object.keys(answered).sort()).toEqual(['200', 'lost']);

      service = await ServiceProcess.start(env);
      const committed = await committedChanges(db.databaseUrl!, db.schema!, projectIds);
      const answeredOk =
        log.rotations.length + log.settings.filter((s) => s.outcome === 'ok').length;
      console.log(
        `round ${round}: SIGKILL with ${inFlight} writes in flight; ${answered['200']} answered ` +
          `this round; ${committed - answeredOk} committed without an answer so far`,
      );
      expect(
        await findInconsistencies(db.databaseUrl!, db.schema!, masterKey, projectIds, log),
      ).toEqual([]);

      // As the API sees it: the revealed key is the highest epoch's, and the guard takes it.
      for (const projectId of projectIds) {
        const reveal = await call(
          service.url,
          'GET',
          `/api/v1/projects/${projectId}/widget/secret-key`,
          {
            token: accessToken,
          },
        );
        const security = await call(
          service.url,
          'GET',
          `/api/v1/projects/${projectId}/widget/security`,
          {
            token: accessToken,
          },
        );
        expect(reveal.body.keyEpoch).toBe(security.body.keyEpoch);
        const widget = await call(service.url, 'GET', `/api/v1/widget/${projectId}/config`, {
          token: mintToken(reveal.body.secretKey, { userId: 'after-crash' }),
          headers: security.body.allowedOrigins[0]
            ? { Origin: security.body.allowedOrigins[0] }
            : {},
        });
        expect({ status: widget.status, verified: widget.body.identity?.verified }).toEqual({
          status: 200,
          verified: true,
        });
      }
    }
    // The check itself must catch a lost key: feed it one the service never stored.
    const forged = { ...log.rotations[0], secretKey: `sk_live_${'x'.repeat(43)}` };
    const tampered = { ...log, rotations: [...log.rotations, forged] };
    expect(
      await findInconsistencies(db.databaseUrl!, db.schema!, masterKey, projectIds, tampered),
    ).toEqual(expect.arrayContaining([expect.stringContaining('is not the one stored under it')]));
    console.log(
      `crash consistency: ${ROUNDS} SIGKILLs, ${log.rotations.length} rotations and ` +
        `${log.settings.filter((s) => s.outcome === 'ok').length} settings changes answered, ` +
        `${log.settings.filter((s) => s.outcome === 'unknown').length} cut off; all consistent`,
    );
  });
});
