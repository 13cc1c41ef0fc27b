import { assembleSecurityState, RETIRED_KEYS_KEPT, SecurityRow, StoredKey } from './security-state';

const NOW = Date.parse('2026-11-23T10:00:00.000Z');

function row(overrides: Partial<SecurityRow> = {}): SecurityRow {
  return {
    id: '5f4dcc3b-5aa7-4a6b-9c1e-0a1b2c3d4e5f',
    securityVersion: 7,
    keyEpoch: 5,
    requireToken: true,
    allowedOrigins: ['https://myapp.com', '*.myapp.com'],
    maxTokenLifetimeSeconds: null,
    keyExposedAt: null,
    previousKeyExpiresAt: null,
    ...overrides,
  };
}

/** Keys for the given epochs; `opened` records which ones were decrypted. */
function keys(epochs: number[], opened: number[] = []): StoredKey[] {
  return epochs.map((epoch) => ({
    epoch,
    open: () => {
      opened.push(epoch);
      return `secret-${epoch}`;
    },
  }));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => to - i);

describe('assembleSecurityState', () => {
  it('copies the settings and decrypts the current key', () => {
    const state = assembleSecurityState(row(), keys([5]), NOW);
    expect(state).toEqual({
      projectId: row().id,
      securityVersion: 7,
      keyEpoch: 5,
      requireToken: true,
      allowedOrigins: ['https://myapp.com', '*.myapp.com'],
      maxTokenLifetimeSeconds: null,
      keyExposedAt: null,
      current: { epoch: 5, secret: 'secret-5' },
      previous: null,
      retired: [],
    });
    expect(Object.isFrozen(state)).toBe(true);
    expect(Object.isFrozen(state.current)).toBe(true);
  });

  it('gives the previous key while its grace runs, and not among the retired', () => {
    const expiresAt = new Date(NOW + 1);
    const state = assembleSecurityState(
      row({ previousKeyExpiresAt: expiresAt }),
      keys([3, 5, 4]),
      NOW,
    );
    expect(state.previous).toEqual({ epoch: 4, secret: 'secret-4', expiresAt });
    expect(state.retired).toEqual([{ epoch: 3, secret: 'secret-3' }]);
  });

  it.each([
    ['has ended', new Date(NOW - 1)],
    ['ends right now', new Date(NOW)],
    ['was never granted', null],
  ])('retires the previous key when the grace %s', (_, previousKeyExpiresAt) => {
    const state = assembleSecurityState(row({ previousKeyExpiresAt }), keys([5, 4, 3]), NOW);
    expect(state.previous).toBeNull();
    expect(state.retired.map((k) => k.epoch)).toEqual([4, 3]);
  });

  it(`keeps the ${RETIRED_KEYS_KEPT} newest retired keys, newest first, and decrypts no other`, () => {
    const opened: number[] = [];
    const state = assembleSecurityState(row({ keyEpoch: 30 }), keys(range(1, 30), opened), NOW);
    expect(state.retired.map((k) => k.epoch)).toEqual(range(20, 29));
    expect(opened.sort((a, b) => a - b)).toEqual([...range(20, 30)].sort((a, b) => a - b));
  });

  it(`keeps ${RETIRED_KEYS_KEPT} retired keys besides a previous key in grace`, () => {
    const state = assembleSecurityState(
      row({ keyEpoch: 30, previousKeyExpiresAt: new Date(NOW + 60_000) }),
      keys(range(1, 30)),
      NOW,
    );
    expect(state.previous?.epoch).toBe(29);
    expect(state.retired.map((k) => k.epoch)).toEqual(range(19, 28));
  });

  it('ignores a key newer than the row (a rotation committing meanwhile)', () => {
    const state = assembleSecurityState(row(), keys([6, 5, 4]), NOW);
    expect(state.current.epoch).toBe(5);
    expect(state.retired.map((k) => k.epoch)).toEqual([4]);
  });

  it('has no previous key when a grace is recorded but the key is missing', () => {
    const state = assembleSecurityState(
      row({ previousKeyExpiresAt: new Date(NOW + 1000) }),
      keys([5]),
      NOW,
    );
    expect(state.previous).toBeNull();
  });

  it('refuses a project whose current key is missing, naming no secret', () => {
    expect(() => assembleSecurityState(row(), keys([4]), NOW)).toThrow(
      /has no stored key for its epoch 5/,
    );
  });
});
