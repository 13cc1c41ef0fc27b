import { mintToken } from '../lib/hs256';
import { SITE } from '../lib/load';
import { serverEnv, withoutPassword, withSchema } from '../lib/postgres';
import { ServerProcess } from '../lib/server-process';

export interface PropagationFigures {
  databaseUrl: string;
  rotations: number;
  /** ms from A's rotate response to B refusing the old key's token. */
  samplesMs: number[];
  medianMs: number;
  maxMs: number;
  /** How many times B was asked, in all, before it refused. */
  polls: number;
}

const POLL_LIMIT_MS = 5_000;

async function call<T>(
  method: string,
  url: string,
  body?: unknown,
  accessToken?: string,
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/**
 * Two instances on one PostgreSQL (a fresh schema, dropped afterwards): rotate the key through
 * A, then ask B with the old key's token, back to back, until B refuses it.
 */
export async function runPropagation(
  databaseUrl: string,
  rotations: number,
  log: (line: string) => void,
): Promise<PropagationFigures> {
  return withSchema(databaseUrl, async (schema) => {
    const servers: ServerProcess[] = [];
    try {
      const env = serverEnv(databaseUrl, schema);
      const a = await ServerProcess.start(env);
      servers.push(a);
      const b = await ServerProcess.start(env);
      servers.push(b);

      const email = `bench-${schema}@example.com`;
      const signup = await call<{ accessToken: string }>('POST', `${a.url}/api/v1/auth/signup`, {
        email,
        password: 'correct horse battery staple',
      });
      const accessToken = signup.body.accessToken;
      const project = await call<{ id: string }>(
        'POST',
        `${a.url}/api/v1/projects`,
        { name: 'propagation' },
        accessToken,
      );
      const keyUrl = `${a.url}/api/v1/projects/${project.body.id}/widget/secret-key`;
      let key = (await call<{ secretKey: string }>('GET', keyUrl, undefined, accessToken)).body
        .secretKey;
      const configOnB = `${b.url}/api/v1/widget/${project.body.id}/config`;
      const statusOnB = async (token: string): Promise<number> => {
        const res = await fetch(configOnB, {
          headers: { origin: SITE, authorization: `Bearer ${token}` },
        });
        await res.arrayBuffer();
        return res.status;
      };
      const until = async (
        token: string,
        status: number,
      ): Promise<{ ms: number; polls: number }> => {
        const start = performance.now();
        for (let polls = 1; ; polls++) {
          if ((await statusOnB(token)) === status) return { ms: performance.now() - start, polls };
          if (performance.now() - start > POLL_LIMIT_MS) {
            throw new Error(`propagation: B did not answer ${status} within ${POLL_LIMIT_MS} ms`);
          }
        }
      };

      const samplesMs: number[] = [];
      let polls = 0;
      for (let i = 0; i < rotations; i++) {
        const oldToken = mintToken(key, 'user-propagation');
        await until(oldToken, 200); // B holds the current key in its cache
        const rotated = await call<{ secretKey: string }>(
          'POST',
          `${keyUrl}/rotate`,
          { gracePeriodSeconds: 0 },
          accessToken,
        );
        if (rotated.status !== 200)
          throw new Error(`propagation: rotate answered ${rotated.status}`);
        const seen = await until(oldToken, 401);
        samplesMs.push(seen.ms);
        polls += seen.polls;
        key = rotated.body.secretKey;
      }
      const sorted = [...samplesMs].sort((x, y) => x - y);
      log(`  ${rotations} rotations: ${sorted.map((ms) => ms.toFixed(1)).join(' ')} ms`);
      return {
        databaseUrl: withoutPassword(databaseUrl),
        rotations,
        samplesMs,
        medianMs:
          sorted.length % 2 === 1
            ? sorted[(sorted.length - 1) / 2]
            : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2,
        maxMs: sorted[sorted.length - 1],
        polls,
      };
    } finally {
      await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
    }
  });
}
