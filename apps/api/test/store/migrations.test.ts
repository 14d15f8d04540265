import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { configure, migrate } from "../../src/store/sqlite/database.ts";
import { MIGRATIONS } from "../../src/store/sqlite/migrations/index.ts";
import { registerSearchText } from "../../src/store/sqlite/search-text.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { containerId } from "../support/samples.ts";

// Versioned migrations on a real SQLite file: each step once, in order, in its own transaction.
const dir = mkdtempSync(join(tmpdir(), "crowsnest-migrations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LATEST = MIGRATIONS.at(-1)?.version ?? 0;

function rawDb(name: string): DatabaseSync {
  const db = new DatabaseSync(join(dir, name));
  configure(db);
  registerSearchText(db);
  return db;
}

const version = (db: DatabaseSync) =>
  (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;

describe("schema migrations", () => {
  it("are numbered 1, 2, 3, … with nothing skipped", () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it("bring a new file to the latest version in WAL mode, and a second open changes nothing", async () => {
    const path = join(dir, "fresh.db");
    const store = openSqliteStore(path);
    expect(version(store.db)).toBe(LATEST);
    expect((store.db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe(
      "wal",
    );
    const host = await store.hosts.create("kept", Date.now());
    await store.close();
    const again = openSqliteStore(path);
    try {
      expect(version(again.db)).toBe(LATEST);
      expect((await again.hosts.get(host.id))?.name).toBe("kept");
    } finally {
      await again.close();
    }
  });

  it("upgrade a file of an older version, keeping its rows (version 2's log lines become searchable as they read)", async () => {
    const db = rawDb("old.db");
    expect(migrate(db, MIGRATIONS.slice(0, 2))).toBe(2);
    const id = containerId();
    db.prepare("INSERT INTO hosts (id, name, created_at) VALUES ('h1', 'old', 1)").run();
    db.prepare(
      "INSERT INTO log_lines (host_id, container_id, ts, stream, text, truncated) VALUES ('h1', ?, ?, 'stdout', ?, 0)",
    ).run(id, "2026-01-01T00:00:00.000000000Z", "\x1b[32mINFO\x1b[0m ready");
    db.close();

    const store = openSqliteStore(join(dir, "old.db"));
    try {
      expect(version(store.db)).toBe(LATEST);
      const page = await store.logs.query({
        hostId: "h1",
        containerId: id,
        from: "0000-01-01T00:00:00.000000000Z",
        to: "9999-12-31T23:59:59.999999999Z",
        words: ["INFO"],
        stream: null,
        limit: 10,
        before: null,
      });
      expect(page.lines.map((l) => l.text)).toEqual(["\x1b[32mINFO\x1b[0m ready"]);
    } finally {
      await store.close();
    }
  });

  it("refuse a file newer than this server, saying so, and leave it untouched", () => {
    const db = rawDb("newer.db");
    db.exec(`PRAGMA user_version = ${LATEST + 1}`);
    expect(() => migrate(db, MIGRATIONS)).toThrow(
      `database schema version ${LATEST + 1} is newer than this server`,
    );
    expect(version(db)).toBe(LATEST + 1);
    db.close();
  });

  it("roll a failing step back entirely: its version is not recorded and nothing of it remains", () => {
    const db = rawDb("failing.db");
    const broken = [
      { version: 1, name: "ok", sql: "CREATE TABLE a (x INTEGER);" },
      { version: 2, name: "half", sql: "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);" },
    ];
    expect(() => migrate(db, broken)).toThrow(/nowhere/);
    expect(version(db)).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").all()).toEqual([]);
    expect(() =>
      migrate(db, [broken[0] as (typeof broken)[0], { version: 3, name: "gap", sql: "" }]),
    ).toThrow("migration 3 (gap) does not follow version 1");
    db.close();
  });
});
