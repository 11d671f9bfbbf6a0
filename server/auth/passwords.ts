import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';

/**
 * argon2id with OWASP's baseline (19 MiB, 2 passes, 1 lane); its cost per hash is in docs/performance.md ("Why the
 * list is shaped this way").
 * `Algorithm` is an ambient const enum, which isolatedModules cannot read: 2 is Argon2id.
 */
const ARGON2ID = 2 as Algorithm;
const OPTIONS: Options = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** False for a wrong password and for a hash this library cannot read; never throws on bad input. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | null = null;

/**
 * Spends the same time as checking a real password, so that "no such account" (or an SSO-only account) cannot be
 * told apart from "wrong password" by timing the answer.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
  await verifyPassword(await dummyHash, password);
  return false;
}

// No 0/O/1/l/I: one-time passwords get read aloud and typed from screens.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * A random password shown once (new staff, admin reset, generated demo password): 20 characters from a
 * 56-letter alphabet, about 116 bits, grouped for reading: `xxxxx-xxxxx-xxxxx-xxxxx`.
 */
export function generateOneTimePassword(): string {
  const chars: string[] = [];
  // Rejection sampling keeps every letter equally likely (256 is not a multiple of 56).
  const limit = 256 - (256 % ALPHABET.length);
  while (chars.length < 20) {
    for (const byte of randomBytes(32)) {
      if (byte < limit && chars.length < 20) chars.push(ALPHABET[byte % ALPHABET.length] ?? '');
    }
  }
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
}
