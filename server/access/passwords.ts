// Password hashing (argon2id, RFC 9106) and the password rules of issue 4.
// The hasher is passed in, so tests and the CLI use the same one as the server.
import argon2 from "argon2";
import { AppError } from "../errors/app-error";

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password and for a malformed hash (never throws on those). */
  verify(hash: string, password: string): Promise<boolean>;
}

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): ~30 ms here, slow enough
// for an offline attacker, cheap enough to hash on every sign-in.
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function createArgon2Hasher(): PasswordHasher {
  return {
    hash: (password) => argon2.hash(password, OPTIONS),
    async verify(hash, password) {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    },
  };
}

export const PASSWORD_MIN_LENGTH = 12;
const PASSWORD_MAX_LENGTH = 256;

/** Throws PASSWORD_POLICY (details.rule: length | username | same) when `password` may not be used. */
export function checkPasswordRules(password: string, username: string, oldPassword?: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new AppError("PASSWORD_POLICY", `a password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`, { rule: "length", min: PASSWORD_MIN_LENGTH });
  }
  if (password.trim().toLowerCase() === username.trim().toLowerCase()) {
    throw new AppError("PASSWORD_POLICY", "the password may not be the username", { rule: "username" });
  }
  if (oldPassword !== undefined && password === oldPassword) {
    throw new AppError("PASSWORD_POLICY", "the new password must differ from the old one", { rule: "same" });
  }
}

const ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** A 20-character password for people to type once and change (≈ 115 bits). */
export function generatePassword(random: (n: number) => Buffer): string {
  let out = "";
  while (out.length < 20) {
    for (const b of random(32)) {
      // Rejection sampling keeps every character equally likely.
      if (b < 256 - (256 % ALPHABET.length) && out.length < 20) out += ALPHABET[b % ALPHABET.length];
    }
  }
  return out;
}
