import { createHash } from "node:crypto";
import type pg from "pg";
import type { MaintenanceLease } from "../store.ts";
import { createClient } from "./database.ts";

/** The `application_name` of a lease session, as `pg_stat_activity` shows it. */
export const LEASE_APPLICATION_NAME = "crowsnest-lease";

/** A task's advisory lock key: the first 8 bytes of SHA-256("crowsnest:" + task), as a signed 64-bit integer. */
export function leaseKey(task: string): string {
  return createHash("sha256").update(`crowsnest:${task}`).digest().readBigInt64BE(0).toString();
}

/**
 * Leases as session-level advisory locks (`pg_try_advisory_lock`) held on a client of their own,
 * outside the pool: the lock lives exactly as long as that session, so a replica that is killed
 * (SIGKILL) or loses its connection frees its leases at once and another replica's next `tryLead`
 * takes them. A pooled client could not hold them: the pool hands its sessions to other queries.
 */
export class PgMaintenanceLease implements MaintenanceLease {
  readonly #url: string;
  #client: Promise<pg.Client> | null = null;
  /** The tasks whose lock the current session holds. */
  readonly #held = new Set<string>();
  #closed = false;

  constructor(url: string) {
    this.#url = url;
  }

  async tryLead(task: string): Promise<boolean> {
    if (this.#closed) return false;
    try {
      const client = await this.#connect();
      if (this.#held.has(task)) {
        // Still held while the session lives; a round trip proves it does.
        await client.query("SELECT 1");
        return this.#held.has(task);
      }
      const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
        leaseKey(task),
      ]);
      if (rows[0]?.locked !== true) return false;
      this.#held.add(task);
      return true;
    } catch (err) {
      // Whatever happened to the session, its locks cannot be counted on: start a new one next time.
      this.#drop();
      throw err;
    }
  }

  /** Ends the session, which frees every lease it held. */
  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = null;
    this.#held.clear();
    const connected = await client?.catch(() => null);
    await connected?.end().catch(() => undefined);
  }

  #connect(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const client = createClient(this.#url, LEASE_APPLICATION_NAME);
    // A lost session has lost its locks: forget them, and connect anew at the next call.
    const lost = () => {
      if (this.#client === connecting) this.#drop();
    };
    // An idle client's lost connection is reported here (unhandled, it would crash the process).
    client.on("error", lost);
    client.on("end", lost);
    const connecting = client.connect().then(() => client);
    this.#client = connecting;
    return connecting;
  }

  #drop(): void {
    const client = this.#client;
    this.#client = null;
    this.#held.clear();
    client?.then((c) => c.end()).catch(() => undefined);
  }
}
