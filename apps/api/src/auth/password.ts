import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/**
 * Password hashing with scrypt. The stored string carries its own version and cost so that
 * raising the cost later never breaks existing hashes:
 *   scrypt$1$<log2 N>$<r>$<p>$<salt, base64url>$<key, base64url>
 */
const VERSION = "1";
const KEY_BYTES = 32;
const SALT_BYTES = 16;

export interface ScryptCost {
  /** log2 of scrypt's N. Production uses 17 (N = 2^17, about 128 MiB and 0.3 s per hash). */
  log2N: number;
  r: number;
  p: number;
}

/** The cost every production hash uses; DESIGN.md requires N ≥ 2^17. */
export const DEFAULT_SCRYPT_COST: ScryptCost = { log2N: 17, r: 8, p: 1 };

export class PasswordHasher {
  readonly #cost: ScryptCost;
  /** A hash of nothing, compared against when a username does not exist, so both paths cost the same. */
  #decoy: Promise<string> | null = null;

  constructor(cost: ScryptCost = DEFAULT_SCRYPT_COST) {
    this.#cost = cost;
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const { log2N, r, p } = this.#cost;
    const key = await derive(password, salt, this.#cost);
    return ["scrypt", VERSION, log2N, r, p, salt.toString("base64url"), key.toString("base64url")].join("$");
  }

  /** True when the password matches. A malformed stored hash is a data fault and throws. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    const key = await derive(password, parsed.salt, parsed.cost);
    return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
  }

  /** Spends the time a real verification would, for a login with an unknown username. */
  async verifyDecoy(password: string): Promise<false> {
    this.#decoy ??= this.hash(randomBytes(16).toString("hex"));
    await this.verify(password, await this.#decoy);
    return false;
  }
}

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  const options: ScryptOptions = {
    N,
    r: cost.r,
    p: cost.p,
    // Node refuses anything above 32 MiB by default; N = 2^17, r = 8 needs 128 MiB plus headroom.
    maxmem: 256 * N * cost.r + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, KEY_BYTES, options, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

function parse(stored: string): { cost: ScryptCost; salt: Buffer; key: Buffer } {
  const parts = stored.split("$");
  const [scheme, version, log2N, r, p, salt, key] = parts;
  if (parts.length !== 7 || scheme !== "scrypt" || version !== VERSION || !salt || !key) {
    throw new Error("stored password hash is not in a known format");
  }
  const cost = { log2N: Number(log2N), r: Number(r), p: Number(p) };
  if (![cost.log2N, cost.r, cost.p].every((n) => Number.isInteger(n) && n > 0 && n < 64)) {
    throw new Error("stored password hash has an invalid cost");
  }
  return { cost, salt: Buffer.from(salt, "base64url"), key: Buffer.from(key, "base64url") };
}
