import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Access tokens ended by a logout, by `jti`. A row is useless once the token has expired
 * anyway, so rows live at most AUTH_TOKEN_TTL_SECONDS (≤ 1 day) and are pruned after.
 */
@Entity('revoked_access_tokens')
@Index('revoked_access_tokens_expires_at_idx', ['expiresAt'])
export class RevokedAccessToken {
  @PrimaryColumn({ type: 'uuid' })
  jti!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
