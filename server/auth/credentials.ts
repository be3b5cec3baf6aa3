// Secrets the platform hands out and checks: passwords (argon2id), session tokens and API keys (opaque random
// strings, stored only as SHA-256: a leaked table gives nobody a working credential).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import argon2 from 'argon2';
import { AppError } from '../errors.ts';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

/** The password policy, with a reason a person can act on. */
export function checkPasswordPolicy(password: string, username?: string): void {
  const fail = (message: string) => { throw new AppError(400, 'weak_password', message); };
  if (password.length < PASSWORD_MIN_LENGTH) fail(`A password needs at least ${PASSWORD_MIN_LENGTH} characters.`);
  if (password.length > PASSWORD_MAX_LENGTH) fail(`A password may have at most ${PASSWORD_MAX_LENGTH} characters.`);
  if (username && password.toLowerCase().includes(username.toLowerCase())) fail('A password must not contain the username.');
  if (new Set(password).size < 5) fail('A password needs more different characters.');
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

// A real hash to verify against when the username does not exist, so both cases take the same time.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

/** An opaque token: `prefix_` + 32 random bytes, base64url. */
export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
