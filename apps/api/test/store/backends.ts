import { randomBytes } from "node:crypto";
import { openStore } from "../../src/store/open-store.ts";
import type { NewHostAccess, Store } from "../../src/store/store.ts";
import { openTempSqliteStore } from "../support/temp-sqlite-store.ts";
import { openTempPostgresStore } from "./postgres-database.ts";

/** A store backend the contract tests run against: `open` gives a new, empty store each call. */
export interface Backend {
  name: string;
  open(): Promise<Store>;
}

/**
 * Every backend of the Store contract, opened as the server opens it (openStore). Each contract
 * test file runs its cases once per entry with `describe.each(BACKENDS)`.
 */
export const BACKENDS: readonly Backend[] = [
  { name: "sqlite", open: () => openStore({ database: { backend: "sqlite", path: ":memory:" } }) },
  // A file, as the server uses: its telemetry is written by a worker thread on a second connection.
  { name: "sqlite-file", open: openTempSqliteStore },
  // A database of its own per store on CROWSNEST_TEST_POSTGRES_URL's server, dropped at close.
  { name: "postgres", open: openTempPostgresStore },
];

/** A way in for a host that a test creates only to hold data: the hash of a credential nobody holds. */
export function anyCredential(): NewHostAccess {
  return { kind: "credential", tokenHash: randomBytes(16).toString("hex") };
}

/**
 * What the retention sweep does before it deletes, on a backend that packs apart from its writes:
 * packs every staged sample (SQLite) or row (PostgreSQL) of the contract tests' long-past minutes.
 */
export async function packAll(store: Store): Promise<void> {
  const pack = store.retention.packRawMetrics?.bind(store.retention);
  for (let packed = 1; pack !== undefined && packed > 0; ) packed = await pack(Date.now(), 100_000);
}
