import { createHash, randomBytes } from "node:crypto";

/**
 * Session ids, enrolment tokens and host credentials are 32 random bytes handed out once;
 * the store keeps only their SHA-256. A fast hash is enough here: unlike a password, the
 * secret has 256 bits of entropy, so nobody can guess their way back from the digest.
 */
export function newSecretToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
