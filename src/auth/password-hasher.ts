import { Injectable, OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';

/** argon2id with OWASP's recommended floor (19 MiB, 2 passes, 1 lane). */
const HASH_OPTIONS: argon2.HashOptions = {
  type: argon2.argon2id,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
};

@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash = '';

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(32).toString('base64url'));
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, HASH_OPTIONS);
  }

  /**
   * Without a stored hash (unknown email) it still verifies, against a dummy
   * hash of the same cost, so that both answers take as long.
   */
  async verify(storedHash: string | null, password: string): Promise<boolean> {
    const matches = await argon2.verify(storedHash ?? this.dummyHash, password).catch(() => false);
    return storedHash !== null && matches;
  }

  /** True when the hash was made with weaker (older) parameters than today's. */
  needsRehash(storedHash: string): boolean {
    return argon2.needsRehash(storedHash, HASH_OPTIONS);
  }
}
