import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { configure, migrate } from "../../src/store/sqlite/database.ts";
import { batchIncarnationsMigration } from "../../src/store/sqlite/migrations/006-batch-incarnations.ts";
import { MIGRATIONS } from "../../src/store/sqlite/migrations/index.ts";
import { registerSearchText } from "../../src/store/sqlite/search-text.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { logLine, containerId as newContainerId } from "../support/samples.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-ledger-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("migration 6: the batch ledger keyed by incarnation and content", () => {
  it("keeps older rows matching an older agent's (host, seq), and never a batch of an agent with an incarnation", async () => {
    const path = join(dir, "v5.db");
    const db = new DatabaseSync(path);
    configure(db);
    registerSearchText(db);
    const before = MIGRATIONS.filter((m) => m.version < batchIncarnationsMigration.version);
    migrate(db, before);
    db.prepare("INSERT INTO hosts (id, name, created_at) VALUES ('h1', 'old', 1)").run();
    db.prepare("INSERT INTO ingested_batches (host_id, seq, stored_at) VALUES ('h1', 9, 1)").run();
    db.close();

    const store = await openSqliteStore(path);
    try {
      const id = newContainerId();
      const batch = (text: string, incarnation?: string) => ({
        kind: "batch" as const,
        hostId: "h1",
        at: 2,
        message: { type: "logs" as const, seq: 9, incarnation, lines: [logLine(id, 1_000, text)], drops: [] },
      });
      expect(
        await store.telemetry.write([
          batch("resent by an older agent"),
          batch("new run", "abcdefghijklmnopqrstuv"),
          batch("new run", "abcdefghijklmnopqrstuv"),
          batch("another batch, same seq", "abcdefghijklmnopqrstuv"),
        ]),
      ).toEqual(["duplicate", "stored", "duplicate", "collided"]);
      expect(await store.hosts.lastStoredSeq("h1")).toBe(9);
      expect((await store.hosts.get("h1"))?.conflict).toBeNull();
    } finally {
      await store.close();
    }
  });
});
