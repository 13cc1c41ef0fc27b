import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** `sk_live_` + 43 base64url characters = 256 random bits (API.md §4). */
export const SECRET_KEY_PATTERN = /^sk_live_[A-Za-z0-9_-]{43}$/;

/** Bump when SECRETS_MASTER_KEY is rotated; rows keep the version that sealed them. */
export const MASTER_KEY_VERSION = 1;

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function generateSecretKey(): string {
  return `sk_live_${randomBytes(32).toString('base64url')}`;
}

/** `sk_live_…` followed by the key's last 4 characters. */
export function secretKeyHint(lastFour: string): string {
  return `sk_live_…${lastFour}`;
}

/**
 * AES-256-GCM under the master key. The project id and epoch are bound as
 * associated data, so a ciphertext copied onto another row does not decrypt.
 */
export class SecretKeyCipher {
  constructor(private readonly masterKey: Buffer) {
    // Checked where the key is used too, not only when the config is read.
    if (!Buffer.isBuffer(masterKey) || masterKey.length !== 32) {
      throw new Error('the master key must be 32 bytes');
    }
  }

  seal(secretKey: string, projectId: string, epoch: number): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    cipher.setAAD(Buffer.from(`${projectId}:${epoch}`));
    const body = Buffer.concat([cipher.update(secretKey, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer, projectId: string, epoch: number): string {
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(`${projectId}:${epoch}`));
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }
}
