import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { RateLimitRule, RateLimitService } from '../common/rate-limit';
import { ProjectChanges } from '../database/project-changes';
import { ProjectSecurityListener } from '../widget-security/project-security-listener';
import { apiKeyDigest, isApiKeyShaped, sameDigest } from './api-key-format';
import type { ApiKeyPrincipal } from './api-key-principal';
import type { ApiKeyRole } from './api-key.entity';
import { ApiKeyUsage } from './api-key-usage';

/** API.md §9: RATE_LIMIT_API_KEY_PER_MINUTE requests per key. */
export const API_KEY_RATE_LIMIT: RateLimitRule = {
  name: 'api-key',
  points: (config) => config.rateLimitApiKeyPerMinute,
  windowSeconds: 60,
  message: 'Too many requests with this API key',
};

/**
 * Database lookups of keys not in this instance's cache, per client address: random keys
 * cannot each cost a query (RATE_LIMIT_AUTH_PER_MINUTE, the budget of password guesses).
 */
export const API_KEY_LOOKUP_LIMIT: RateLimitRule = {
  name: 'api-key-lookup',
  points: (config) => config.rateLimitAuthPerMinute,
  windowSeconds: 60,
  message: 'Too many unknown API keys from your address',
};

/** How long a validated key is trusted without asking the database again. */
const MAX_AGE_MS = 60_000;
/** …and while the LISTEN connection is down (notices may be lost): the 1 s bound of §9. */
const MAX_AGE_UNLISTENED_MS = 1_000;
const MAX_ENTRIES = 10_000;

interface CachedKey extends ApiKeyPrincipal {
  digest: Buffer;
  expiresAtMs: number | null;
  loadedAtMs: number;
}

interface KeyRow {
  id: string;
  name: string;
  projectId: string;
  role: ApiKeyRole;
  digest: Buffer;
  expiresAt: Date | null;
}

/**
 * Turns `Authorization: Bearer hsk_…` into the key's principal, or 401 `unauthorized` with
 * one message whatever was wrong (shape, unknown, revoked, expired, deleted project).
 *
 * Validated keys are cached per instance, so a request with a known key makes no query.
 * A revocation (or a project deletion) publishes the project's change notice after its
 * commit; every instance drops that project's keys when it hears it (LISTEN/NOTIFY), and a
 * lookup that raced the notice is not cached. Without a LISTEN connection entries are
 * trusted for 1 s only, so the bound holds when notices are lost.
 */
@Injectable()
export class ApiKeyAuthenticator implements OnModuleInit, OnModuleDestroy {
  private readonly cache = new Map<string, CachedKey>();
  /** Bumped by every notice: a lookup that saw an older generation is not cached. */
  private generation = 0;
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly rateLimits: RateLimitService,
    private readonly usage: ApiKeyUsage,
    private readonly changes: ProjectChanges,
    private readonly listener: ProjectSecurityListener,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = [
      this.changes.onChange((projectId) => this.forgetProject(projectId)),
      this.listener.subscribe(
        (projectId) => this.forgetProject(projectId),
        () => this.forgetAll(),
      ),
    ];
  }

  onModuleDestroy(): void {
    for (const stop of this.unsubscribe) stop();
  }

  async authenticate(presented: string, clientAddress: string): Promise<ApiKeyPrincipal> {
    if (!isApiKeyShaped(presented)) throw invalidApiKey();
    const digest = apiKeyDigest(presented);
    const cacheKey = digest.toString('base64url');
    const now = Date.now();
    let entry = this.cache.get(cacheKey);
    if (!entry || now - entry.loadedAtMs > this.maxAgeMs()) {
      this.cache.delete(cacheKey);
      await this.rateLimits.consume(API_KEY_LOOKUP_LIMIT, clientAddress);
      entry = await this.load(digest, cacheKey);
    }
    if (!entry || !sameDigest(entry.digest, digest)) throw invalidApiKey();
    if (entry.expiresAtMs !== null && entry.expiresAtMs <= now) throw invalidApiKey();
    await this.rateLimits.consume(API_KEY_RATE_LIMIT, entry.id);
    this.usage.touch(entry.id);
    return { id: entry.id, name: entry.name, projectId: entry.projectId, role: entry.role };
  }

  private async load(digest: Buffer, cacheKey: string): Promise<CachedKey | undefined> {
    const generation = this.generation;
    const rows: KeyRow[] = await this.dataSource.query(
      `SELECT k.id, k.name, k.project_id AS "projectId", k.role, k.key_digest AS digest,
              k.expires_at AS "expiresAt"
         FROM api_keys k JOIN projects p ON p.id = k.project_id
        WHERE k.key_digest = $1 AND k.revoked_at IS NULL AND p.deleted_at IS NULL`,
      [digest],
    );
    const row = rows[0];
    if (!row) return undefined;
    const entry: CachedKey = {
      id: row.id,
      name: row.name,
      projectId: row.projectId,
      role: row.role,
      digest: Buffer.from(row.digest),
      expiresAtMs: row.expiresAt ? new Date(row.expiresAt).getTime() : null,
      loadedAtMs: Date.now(),
    };
    if (generation === this.generation) {
      if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(cacheKey, entry);
    }
    return entry;
  }

  private maxAgeMs(): number {
    return this.listener.enabled && !this.listener.listening ? MAX_AGE_UNLISTENED_MS : MAX_AGE_MS;
  }

  private forgetProject(projectId: string): void {
    this.generation += 1;
    const id = projectId.toLowerCase();
    for (const [cacheKey, entry] of this.cache) {
      if (entry.projectId === id) this.cache.delete(cacheKey);
    }
  }

  private forgetAll(): void {
    this.generation += 1;
    this.cache.clear();
  }
}

/** One answer for every bad key: which part was wrong is never hinted. */
export function invalidApiKey(): AppError {
  return new AppError(
    401,
    'unauthorized',
    'Send a valid API key or access token as "Authorization: Bearer <…>".',
    undefined,
    { 'WWW-Authenticate': 'Bearer realm="dashboard", error="invalid_token"' },
  );
}
