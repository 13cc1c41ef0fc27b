import { createHash, createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { SecurityCache } from './security-cache';
import { explainDecision } from './widget-access.diagnosis';
import { DEFAULT_WIDGET_CORS } from './widget-cors';
import { WidgetAccessService } from './widget-access.service';
import { WidgetSecurityState, WidgetSecurityStateSource } from './widget-security-state';

const NOW_S = 1_750_000_000;
const NOW = NOW_S * 1000;
const sk = (seed: string) => `sk_live_${createHash('sha256').update(seed).digest('base64url')}`;
const K = { current: sk('3'), previous: sk('2'), retired: sk('1'), foreign: sk('x') };
const APP = 'https://app.example.com';
const OPEN = '11111111-1111-4111-8111-111111111111';
const LOCKED = '22222222-2222-4222-8222-222222222222';
const UNKNOWN = '33333333-3333-4333-8333-333333333333';

function state(projectId: string, locked: boolean): WidgetSecurityState {
  return {
    projectId,
    version: 1,
    keyEpoch: 3,
    requireToken: locked,
    originPolicy: locked
      ? { allowsAll: false, matches: (origin) => origin === APP }
      : { allowsAll: true, matches: () => true },
    keys: {
      current: { epoch: 3, secret: K.current },
      previous: { epoch: 2, secret: K.previous, expiresAtMs: NOW + 60_000 },
      retired: [{ epoch: 1, secret: K.retired }],
    },
    maxTokenLifetimeSeconds: locked ? 3600 : null,
  };
}

class MemorySource extends WidgetSecurityStateSource {
  readonly store = new Map([
    [OPEN, state(OPEN, false)],
    [LOCKED, state(LOCKED, true)],
  ]);
  async load(id: string): Promise<WidgetSecurityState | null> {
    return this.store.get(id) ?? null;
  }
  async versions(): Promise<Map<string, number>> {
    return new Map();
  }
}

const node = (claims: object = {}, key = K.current, lifetimeS = 3600) =>
  jwt.sign({ userId: 'u1', iat: NOW_S - 10, exp: NOW_S - 10 + lifetimeS, ...claims }, key, {
    algorithm: 'HS256',
  });
const b64 = (part: unknown) => Buffer.from(JSON.stringify(part)).toString('base64url');
function forge(header: unknown, payload: unknown, key = K.current): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

describe('WidgetAccessService.diagnose', () => {
  let service: WidgetAccessService;

  beforeEach(() => {
    const source = new MemorySource();
    service = new WidgetAccessService(source, new SecurityCache(source), DEFAULT_WIDGET_CORS);
  });

  const diagnose = (projectId: string, origin: string | null, token: string | null) =>
    service.diagnose({ projectId, origin, token, nowMs: NOW });

  const inputs: [string, string, string | null, string | null][] = [
    ['a verified token', LOCKED, APP, node()],
    ['the previous key within its grace', LOCKED, APP, node({}, K.previous)],
    ['no token, tokens required', LOCKED, APP, null],
    ['no token, open project', OPEN, null, null],
    ['a retired key', LOCKED, APP, node({}, K.retired)],
    ['a foreign key', LOCKED, APP, node({}, K.foreign)],
    ['an expired token', LOCKED, APP, node({ exp: NOW_S - 61 })],
    ['a token over the lifetime cap', LOCKED, APP, node({}, K.current, 7200)],
    ['alg none', LOCKED, APP, `${b64({ alg: 'none' })}.${b64({ userId: 'u', exp: NOW_S })}.`],
    ['garbage', LOCKED, APP, 'not-a-token'],
    ['an empty token', LOCKED, APP, ''],
    ['the secret key', LOCKED, APP, K.current],
    ['a blocked origin', LOCKED, 'https://evil.example', node()],
    ['no origin', LOCKED, null, node()],
    ['an unknown project', UNKNOWN, APP, node()],
    ['a malformed project id', 'nope', APP, node()],
  ];

  it.each(inputs)('decides exactly as the guard on %s', async (_case, projectId, origin, token) => {
    const guard = await service.decide({
      projectId,
      origin,
      authorization: token === null ? undefined : `Bearer ${token}`,
      nowMs: NOW,
    });
    expect((await diagnose(projectId, origin, token)).decision).toEqual(guard);
  });

  it('passes every check of an allowed request', async () => {
    const { checks, token } = await diagnose(LOCKED, APP, node({ userMetadata: { plan: 'pro' } }));
    expect(checks.map((c) => [c.check, c.outcome])).toEqual([
      ['project', 'pass'],
      ['origin', 'pass'],
      ['token', 'pass'],
    ]);
    expect(checks[2].detail).toContain('epoch 3');
    expect(token).toEqual({
      header: { alg: 'HS256', typ: 'JWT' },
      claims: { userId: 'u1', userMetadata: { plan: 'pro' }, iat: NOW_S - 10, exp: NOW_S + 3590 },
      expiresAt: new Date((NOW_S + 3590) * 1000),
      keyEpoch: 3,
    });
  });

  it('names the failing check, and skips those after it', async () => {
    const { checks } = await diagnose(LOCKED, 'https://evil.example', node());
    expect(checks).toEqual([
      { check: 'project', outcome: 'pass', detail: expect.any(String) },
      {
        check: 'origin',
        outcome: 'fail',
        code: 'origin_not_allowed',
        detail: expect.stringContaining('https://evil.example'),
      },
      { check: 'token', outcome: 'skipped', detail: expect.any(String) },
    ]);
    const unknown = await diagnose(UNKNOWN, APP, null);
    expect(unknown.checks.map((c) => c.outcome)).toEqual(['fail', 'skipped', 'skipped']);
  });

  it('shows a refused token for diagnosis, with the epoch of the key it matched', async () => {
    const rotated = await diagnose(LOCKED, APP, node({ exp: NOW_S + 600 }, K.retired));
    expect(rotated.token).toMatchObject({ claims: { userId: 'u1' }, keyEpoch: 1 });
    const expired = await diagnose(LOCKED, APP, node({ exp: NOW_S - 61 }));
    // The key that verified the signature is named for claim failures too (API.md §8).
    expect(expired.token).toMatchObject({
      expiresAt: new Date((NOW_S - 61) * 1000),
      keyEpoch: 3,
    });
    const foreign = await diagnose(LOCKED, APP, node({ exp: NOW_S - 61 }, K.foreign));
    expect(foreign.token).toMatchObject({ keyEpoch: null });
    expect((await diagnose(LOCKED, APP, 'not-a-token')).token).toBeNull();
  });

  it('calls an anonymous caller of an open project a pass, with no token shown', async () => {
    const { checks, decision, token } = await diagnose(OPEN, null, null);
    expect(decision).toMatchObject({ allowed: true, outcome: 'anonymous' });
    expect(checks[1].detail).toContain('empty');
    expect(checks[2]).toMatchObject({ outcome: 'pass' });
    expect(token).toBeNull();
  });

  it('never shows a secret key, neither as the token nor inside its claims', async () => {
    const leaked = await diagnose(LOCKED, APP, K.current);
    expect(leaked.decision).toMatchObject({ code: 'secret_key_exposed' });
    expect(leaked.token).toBeNull();
    expect(JSON.stringify(leaked)).not.toContain(K.current);
    const inClaims = forge({ alg: 'HS256' }, { userId: 'u1', exp: NOW_S + 60, note: K.foreign });
    const shown = await diagnose(LOCKED, APP, inClaims);
    // What the endpoint shows: the trace and the token view (the decision stays inside).
    expect(JSON.stringify([shown.checks, shown.token])).not.toContain(K.foreign);
    expect(shown.token?.claims.note).toBe('[secret key removed]');
  });

  it('only reads the decision: the trace of a decision is fixed by its failed check', () => {
    const denied = {
      allowed: false as const,
      status: 401,
      code: 'token_expired' as const,
      message: 'm',
      check: 'token' as const,
      projectId: LOCKED,
      origin: APP,
      keyEpoch: null,
      headers: {},
    };
    const { checks } = explainDecision(denied, {
      origin: APP,
      allowsAllOrigins: false,
      token: null,
    });
    expect(checks.map((c) => c.outcome)).toEqual(['pass', 'pass', 'fail']);
  });
});

describe('WidgetAccessService.decide with a body', () => {
  it('refuses a body carrying a secret key, and flags the current one with its epoch', async () => {
    const source = new MemorySource();
    const service = new WidgetAccessService(source, new SecurityCache(source), DEFAULT_WIDGET_CORS);
    const decide = (body: unknown) =>
      service.decide({ projectId: OPEN, origin: APP, body, nowMs: NOW });
    expect(await decide({ content: 'hello' })).toMatchObject({ allowed: true });
    expect(await decide({ content: `key: ${K.foreign}` })).toMatchObject({
      allowed: false,
      code: 'secret_key_exposed',
      keyEpoch: null,
    });
    const current = await decide({ userMetadata: { k: K.current } });
    expect(current).toMatchObject({
      code: 'secret_key_exposed',
      currentKeyExposed: true,
      keyEpoch: 3,
    });
    expect(JSON.stringify(current)).not.toContain(K.current);
  });
});
