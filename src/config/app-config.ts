/**
 * The validated configuration of the service. Built once by `validateEnv()`
 * from the environment; every other module injects this class instead of
 * reading `process.env`.
 */
export class AppConfig {
  readonly port!: number;
  /** Absent → embedded PostgreSQL (PGlite) kept in `dataDir`. */
  readonly databaseUrl!: string | null;
  /** Schema for every table (tests use one per file); `null` → the server's default. */
  readonly databaseSchema!: string | null;
  readonly dataDir!: string;
  /** DATABASE_STATEMENT_TIMEOUT_MS: a query not answered by then fails (→ 503). */
  readonly databaseStatementTimeoutMs!: number;
  readonly authJwtSecret!: string;
  readonly authTokenTtlSeconds!: number;
  /** 32 bytes; encrypts secret keys at rest (AES-256-GCM). */
  readonly secretsMasterKey!: Buffer;
  readonly dashboardOrigins!: string[];
  readonly redisUrl!: string | null;
  /**
   * Proxies whose `X-Forwarded-For` is believed: a hop count or their addresses/CIDRs
   * (Fastify's `trustProxy`); null → the client address is the TCP peer.
   */
  readonly trustProxy!: number | string[] | null;
  readonly signupEnabled!: boolean;
  readonly rateLimitAuthPerMinute!: number;
  readonly rateLimitWidgetPerMinute!: number;
  /** POST /projects/:projectId/members per dashboard user (it tells whether an email has an account). */
  readonly rateLimitMembersPerMinute!: number;
  /** Quota (API.md §7): live projects a user owns. */
  readonly maxProjectsPerUser!: number;
  /** Quota (API.md §7): secret-key rotations per project in the last hour. */
  readonly maxRotationsPerHour!: number;
  /** Widget requests and preflights per client address, whatever the project. */
  readonly rateLimitWidgetAnyPerMinute!: number;
  /** Requests per minute per API key (API.md §9). */
  readonly rateLimitApiKeyPerMinute!: number;
  readonly logLevel!: string;
  /** Run pending migrations at start-up (under an advisory lock). */
  readonly migrateOnStart!: boolean;
  /** When set, GET /metrics needs `Authorization: Bearer <metricsToken>`. */
  readonly metricsToken!: string | null;
  /** Port of the internal listener (API.md §10); null → no internal listener. 0 → any free port. */
  readonly internalPort!: number | null;
  readonly internalHost!: string;
  /** Service tokens accepted by the internal listener (each ≥ 32 chars). Never log them. */
  readonly internalApiTokens!: readonly string[];

  get embedded(): boolean {
    return this.databaseUrl === null;
  }

  static of(values: Omit<AppConfig, 'embedded'>): AppConfig {
    return Object.assign(new AppConfig(), values);
  }
}
