import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";

/**
 * A new SQLite store in a file of its own, opened as the server opens one (telemetry written by
 * the worker thread on its own connection, see WorkerTelemetryWriter); `close` deletes the file.
 */
export async function openTempSqliteStore(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-store-"));
  const store = await openStore({ database: { backend: "sqlite", path: join(dir, "crowsnest.db") } });
  return {
    ...store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
