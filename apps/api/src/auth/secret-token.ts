import { createHash, randomBytes } from "node:crypto";

/** A secret to hand out once, and the only form of it the store keeps. */
export interface MintedSecret {
  token: string;
  hash: string;
}

/**
 * Session ids, enrolment tokens and host credentials are 32 random bytes handed out once;
 * the store keeps only their SHA-256. A fast hash is enough here: unlike a password, the
 * secret has 256 bits of entropy, so nobody can guess their way back from the digest.
 */
export function mintSecret(): MintedSecret {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
}

/** The SHA-256 under which a secret minted by `mintSecret` is stored and looked up. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
