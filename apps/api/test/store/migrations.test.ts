import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import type { NewAuditEntry } from "../../src/store/audit-repository.ts";
import { configure, migrate } from "../../src/store/sqlite/database.ts";
import { MIGRATIONS } from "../../src/store/sqlite/migrations/index.ts";
import { registerSearchText } from "../../src/store/sqlite/search-text.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { containerId } from "../support/samples.ts";
import { anyCredential } from "./backends.ts";

// The SQLite backend's own schema on a real file: versioned migrations, each step once, in order,
// in its own transaction; WAL; the audit log's triggers.
const dir = mkdtempSync(join(tmpdir(), "crowsnest-migrations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LATEST = MIGRATIONS.at(-1)?.version ?? 0;

function rawDb(name: string): DatabaseSync {
  const db = new DatabaseSync(join(dir, name));
  configure(db);
  registerSearchText(db);
  return db;
}

/** Runs `check` on a connection of its own to the file (the store keeps its connection to itself). */
function peek(name: string, check: (db: DatabaseSync) => void): void {
  const db = rawDb(name);
  try {
    check(db);
  } finally {
    db.close();
  }
}

const version = (db: DatabaseSync) =>
  (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;

/** A failed sign-in under a name no account has: an audit row with no container, host or role. */
function failedSignIn(time: number): NewAuditEntry {
  return {
    time,
    userId: null,
    username: "someone",
    role: null,
    hostId: null,
    containerId: null,
    containerName: null,
    targetId: null,
    target: null,
    action: "session.login_failed",
    protected: false,
    result: "failed",
    reason: "no such user",
    detail: null,
    clientAddress: "10.0.0.8",
  };
}

describe("schema migrations", () => {
  it("are numbered 1, 2, 3, … with nothing skipped", () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it("bring a new file to the latest version in WAL mode, and a second open changes nothing", async () => {
    const path = join(dir, "fresh.db");
    const store = await openSqliteStore(path);
    const host = await store.hosts.create("kept", Date.now(), anyCredential());
    await store.close();
    peek("fresh.db", (db) => {
      expect(version(db)).toBe(LATEST);
      expect((db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe("wal");
    });
    const again = await openSqliteStore(path);
    try {
      expect((await again.hosts.get(host.id))?.name).toBe("kept");
    } finally {
      await again.close();
    }
    peek("fresh.db", (db) => expect(version(db)).toBe(LATEST));
  });

  it("make the audit log append-only, even to SQL", async () => {
    const store = await openSqliteStore(join(dir, "append-only.db"));
    try {
      await store.audit.append(failedSignIn(1));
      peek("append-only.db", (db) => {
        expect(() => db.exec("UPDATE audit_log SET result = 'succeeded'")).toThrow(/append-only/);
        expect(() => db.exec("DELETE FROM audit_log")).toThrow(/append-only/);
      });
      expect((await store.audit.query({}, { before: null, limit: 10 })).entries).toHaveLength(1);
    } finally {
      await store.close();
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

    const store = await openSqliteStore(join(dir, "old.db"));
    try {
      peek("old.db", (raw) => expect(version(raw)).toBe(LATEST));
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

  it("upgrade a version-4 audit log to every category: container rows kept, still append-only", async () => {
    const db = rawDb("audit-v4.db");
    expect(migrate(db, MIGRATIONS.slice(0, 4))).toBe(4);
    const id = containerId();
    const insert = db.prepare(
      `INSERT INTO audit_log (time, user_id, username, role, host_id, container_id, container_name,
                              action, protected, result, reason, client_address)
       VALUES (?, 'u1', 'oscar', 'OPERATOR', 'h1', ?, 'db', ?, 1, ?, ?, '10.0.0.7')`,
    );
    insert.run(1_000, id, "stop", "denied", "protected: only an ADMIN may stop it");
    insert.run(2_000, id, "start", "allowed", null);
    db.close();

    const store = await openSqliteStore(join(dir, "audit-v4.db"));
    try {
      peek("audit-v4.db", (raw) => expect(version(raw)).toBe(LATEST));
      const page = { before: null, limit: 10 };
      const kept = (await store.audit.query({ category: "container" }, page)).entries;
      expect(kept).toEqual([
        expect.objectContaining({ id: "2", time: 2_000, action: "start", result: "allowed", reason: null }),
        expect.objectContaining({ id: "1", time: 1_000, action: "stop", result: "denied" }),
      ]);
      expect(kept[1]).toEqual({
        id: "1",
        time: 1_000,
        category: "container",
        userId: "u1",
        username: "oscar",
        role: "OPERATOR",
        hostId: "h1",
        containerId: id,
        containerName: "db",
        targetId: null,
        target: null,
        action: "stop",
        protected: true,
        result: "denied",
        reason: "protected: only an ADMIN may stop it",
        detail: null,
        clientAddress: "10.0.0.7",
      });
      // A new kind of row, with no container and no role, is numbered after the copied ones.
      const signIn = await store.audit.append(failedSignIn(3_000));
      expect(signIn).toMatchObject({ id: "3", category: "session" });
      expect((await store.audit.query({ category: "session" }, page)).entries).toEqual([signIn]);
      // Still append-only, and a container row still needs its host, container and role.
      peek("audit-v4.db", (raw) => {
        expect(() => raw.exec("UPDATE audit_log SET result = 'succeeded'")).toThrow(/append-only/);
        expect(() => raw.exec("DELETE FROM audit_log WHERE id = 1")).toThrow(/append-only/);
        expect(() =>
          raw.exec(
            `INSERT INTO audit_log (time, category, username, action, protected, result, client_address)
             VALUES (1, 'container', 'x', 'stop', 0, 'denied', 'a')`,
          ),
        ).toThrow(/CHECK constraint/);
      });
      expect((await store.audit.query({}, page)).entries.map((e) => e.id)).toEqual(["3", "2", "1"]);
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
