import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SecretKey } from './secret-key.entity';
import { generateSecretKey, MASTER_KEY_VERSION, SecretKeyCipher } from './secret-key-cipher';

@Injectable()
export class SecretKeysService {
  constructor(private readonly cipher: SecretKeyCipher) {}

  /**
   * Creates and stores (encrypted) the key of `epoch`, inside the caller's
   * transaction. Returns the key in clear for the one response that shows it.
   */
  async issueKey(
    manager: EntityManager,
    projectId: string,
    epoch: number,
  ): Promise<SecretKey & { secretKey: string }> {
    const secretKey = generateSecretKey();
    const row = manager.create(SecretKey, {
      projectId,
      epoch,
      ciphertext: this.cipher.seal(secretKey, projectId, epoch),
      masterKeyVersion: MASTER_KEY_VERSION,
      hint: secretKey.slice(-4),
    });
    await manager.insert(SecretKey, row);
    return Object.assign(row, { secretKey });
  }
}
