import { createHash, randomBytes } from "node:crypto";

/** A host credential: 32 random bytes, base64url. Only its hash is ever stored. */
export function newHostToken(): string {
  return randomBytes(32).toString("base64url");
}

/** SHA-256 is enough here: the token is random and long, so there is nothing to brute-force. */
export function hashHostToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
