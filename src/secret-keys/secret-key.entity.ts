import { Project } from '../projects/project.entity';
import { Column, CreateDateColumn, Entity, PrimaryColumn, JoinColumn, ManyToOne } from 'typeorm';

/**
 * One signing key per (project, epoch). The key itself is stored only as
 * AES-256-GCM ciphertext under SECRETS_MASTER_KEY (`masterKeyVersion` says
 * which one), so a database dump alone reveals no secret key.
 */
@Entity('secret_keys')
export class SecretKey {
  @PrimaryColumn({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @PrimaryColumn({ type: 'integer' })
  epoch!: number;

  /** iv (12 bytes) ‖ auth tag (16 bytes) ‖ ciphertext. */
  @Column({ type: 'bytea' })
  ciphertext!: Buffer;

  @Column({ name: 'master_key_version', type: 'smallint' })
  masterKeyVersion!: number;

  /** The key's last 4 characters, for `secretKeyHint`. */
  @Column({ type: 'varchar', length: 4 })
  hint!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id' })
  project?: Project;
}
