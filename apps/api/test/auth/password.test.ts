import { scrypt } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_SCRYPT_COST, PasswordHasher } from "../../src/auth/password.ts";

// scrypt itself, watched: each call is recorded and then computed for real.
vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:crypto")>();
  return { ...original, scrypt: vi.fn(original.scrypt) };
});

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
    const derive = vi.mocked(scrypt);
    derive.mockClear();
    const hasher = new PasswordHasher({ log2N: 10, r: 8, p: 1 });
    expect(await hasher.verifyDecoy("anything")).toBe(false);
    // The typed password went through scrypt at the configured cost, as a real verification's does.
    const ofPassword = derive.mock.calls.filter(([password]) => password === "anything");
    expect(ofPassword.map(([, , , options]) => options)).toEqual([
      expect.objectContaining({ N: 2 ** 10, r: 8, p: 1 }),
    ]);
    // Later decoys reuse the decoy hash: one derivation each, no cheaper, no dearer.
    derive.mockClear();
    expect(await hasher.verifyDecoy("anything else")).toBe(false);
    expect(derive.mock.calls.map(([password]) => password)).toEqual(["anything else"]);
  });
});
