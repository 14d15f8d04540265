import { describe, expect, it } from "vitest";
import { DEFAULT_SCRYPT_COST, PasswordHasher } from "../../src/auth/password.ts";

describe("password hashing", () => {
  it("uses N = 2^17 by default and records the cost in a versioned hash", async () => {
    expect(DEFAULT_SCRYPT_COST.log2N).toBeGreaterThanOrEqual(17);
    const hasher = new PasswordHasher();
    const hash = await hasher.hash("correct horse battery");
    expect(hash).toMatch(/^scrypt\$1\$17\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await hasher.verify("correct horse battery", hash)).toBe(true);
    expect(await hasher.verify("correct horse batterz", hash)).toBe(false);
  });

  it("salts every hash and verifies hashes made at another cost", async () => {
    const cheap = new PasswordHasher({ log2N: 10, r: 8, p: 1 });
    const a = await cheap.hash("same password");
    const b = await cheap.hash("same password");
    expect(a).not.toBe(b);
    // A hasher configured with a different cost still verifies: the cost is read from the hash.
    expect(await new PasswordHasher({ log2N: 11, r: 8, p: 1 }).verify("same password", a)).toBe(true);
  });

  it("refuses a stored hash it does not understand instead of matching it", async () => {
    const hasher = new PasswordHasher({ log2N: 10, r: 8, p: 1 });
    await expect(hasher.verify("x", "plaintext")).rejects.toThrow(/format/);
    await expect(hasher.verify("x", "scrypt$1$99$8$1$AAAA$AAAA")).rejects.toThrow(/cost/);
  });

  it("spends the work of a verification on an unknown user and never matches", async () => {
    expect(await new PasswordHasher({ log2N: 10, r: 8, p: 1 }).verifyDecoy("anything")).toBe(false);
  });
});
