import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { SequencedAgentMessage } from "@crowsnest/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { batchDigest } from "../../src/store/batch-digest.ts";
import { compactBatchLedgerMigration } from "../../src/store/sqlite/migrations/025-compact-batch-ledger.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { logLine, containerId as newContainerId } from "../support/samples.ts";
import { countRows, oldSchemaFile } from "./old-schema-file.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-ledger-25-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const INCARNATION = "abcdefghijklmnopqrstuv";
const OTHER_RUN = "ABCDEFGHIJKLMNOPQRSTUV";
const container = newContainerId();

/** A logs batch of one line. */
function logs(seq: number, text: string, incarnation?: string): SequencedAgentMessage {
  return { type: "logs", seq, incarnation, lines: [logLine(container, 1_000, text)], drops: [] };
}

/**
 * A file of schema 24 (oldSchemaFile: host "h1") whose ledger holds the rows `ledger` (host,
 * incarnation, seq, hex digest, stored_at); hosts besides "h1" are made.
 */
function schema24File(name: string, ledger: [string, string, number, string, number][]): string {
  const path = join(dir, name);
  const db = oldSchemaFile(path, compactBatchLedgerMigration.version, container);
  for (const host of new Set(ledger.map(([host]) => host).filter((host) => host !== "h1")))
    db.prepare("INSERT INTO hosts (id, name, name_key, created_at) VALUES (?, ?, ?, 1)").run(
      host,
      host,
      host,
    );
  const insert = db.prepare(
    "INSERT INTO ingested_batches (host_id, incarnation, seq, digest, stored_at) VALUES (?, ?, ?, ?, ?)",
  );
  for (const row of ledger) insert.run(...row);
  db.close();
  return path;
}

describe("migration 25: the batch ledger keyed by an agent run's id, digests as bytes", () => {
  it("keeps every batch's identity: a resend is a duplicate, another batch under its seq collides, a row without digest matches its seq", async () => {
    const path = schema24File("identity.db", [
      ["h1", "", 3, "", 10],
      ["h1", INCARNATION, 7, batchDigest(logs(7, "seven", INCARNATION)), 20],
      ["h1", OTHER_RUN, 2, batchDigest(logs(2, "two", OTHER_RUN)), 30],
      ["h2", INCARNATION, 9, batchDigest(logs(9, "nine", INCARNATION)), 40],
    ]);
    const store = await openSqliteStore(path);
    try {
      const batch = (hostId: string, message: SequencedAgentMessage) => ({
        kind: "batch" as const,
        hostId,
        at: 50,
        message,
      });
      expect(
        await store.telemetry.write([
          batch("h1", logs(3, "an older agent's resend")),
          batch("h1", logs(7, "seven", INCARNATION)),
          batch("h1", logs(7, "another batch, same seq", INCARNATION)),
          batch("h1", logs(2, "two", OTHER_RUN)),
          batch("h1", logs(9, "nine", INCARNATION)),
          batch("h2", logs(9, "nine", INCARNATION)),
          batch("h1", logs(8, "eight", INCARNATION)),
          batch("h1", logs(8, "eight", INCARNATION)),
        ]),
      ).toEqual([
        "duplicate",
        "duplicate",
        "collided",
        "duplicate",
        "stored",
        "duplicate",
        "stored",
        "duplicate",
      ]);
      expect(await store.hosts.lastStoredSeq("h1")).toBe(9);
      expect(await store.hosts.lastStoredSeq("h2")).toBe(9);
      expect(await store.hosts.lastStoredSeq("h3")).toBeNull();
      // A run newer than the one holding the host's highest seq: the highest is still over every run.
      await store.telemetry.write([batch("h1", logs(1, "a new run", "ZZZZZZZZZZZZZZZZZZZZZZ"))]);
      expect(await store.hosts.lastStoredSeq("h1")).toBe(9);
    } finally {
      await store.close();
    }
  });

  it("stores a digest in 32 bytes, one row per batch and one per agent run, with no other index", async () => {
    const path = schema24File("layout.db", [
      ["h1", INCARNATION, 1, batchDigest(logs(1, "one", INCARNATION)), 5],
    ]);
    const store = await openSqliteStore(path);
    await store.close();
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      expect(db.prepare("SELECT length(digest) AS n FROM ingested_batches").all()).toEqual([{ n: 32 }]);
      expect(db.prepare("SELECT host_id, incarnation FROM agent_incarnations").all()).toEqual([
        { host_id: "h1", incarnation: INCARNATION },
      ]);
      expect(
        db
          .prepare("SELECT name FROM sqlite_schema WHERE tbl_name = 'ingested_batches' AND type = 'index'")
          .all(),
      ).toEqual([]);
    } finally {
      db.close();
    }
  });

  it("retention walks each run's batches in seq order; deleting a host takes its runs' batches", async () => {
    // Run A: seq 1 stored at 100, seq 3 at 150, seq 2 resent and stored only at 400.
    const path = schema24File("retention.db", [
      ["h1", INCARNATION, 1, "aa", 100],
      ["h1", INCARNATION, 3, "bb", 150],
      ["h1", INCARNATION, 2, "cc", 400],
      ["h1", OTHER_RUN, 1, "dd", 120],
      ["h2", INCARNATION, 5, "ee", 110],
    ]);
    const store = await openSqliteStore(path);
    try {
      // Before 300: run A's seq 1 (below its first batch kept, seq 2), all of h1's other run and h2's.
      expect(await store.retention.deleteBatchLedgerBefore(300, 2)).toBe(2);
      expect(await store.retention.deleteBatchLedgerBefore(300, 2)).toBe(1);
      expect(await store.retention.deleteBatchLedgerBefore(300, 2)).toBe(0);
      expect(await store.hosts.lastStoredSeq("h1")).toBe(3);
      expect(await store.hosts.lastStoredSeq("h2")).toBeNull();
      // Seq 3, stored before 300 but above seq 2, goes once seq 2 has gone.
      expect(await store.retention.deleteBatchLedgerBefore(500, 10)).toBe(2);
      expect(await store.hosts.lastStoredSeq("h1")).toBeNull();

      await store.telemetry.write([
        { kind: "batch", hostId: "h1", at: 600, message: logs(4, "four", INCARNATION) },
      ]);
      expect(await store.hosts.lastStoredSeq("h1")).toBe(4);
      expect(await store.hosts.delete("h1")).toBe(true);
    } finally {
      await store.close();
    }
    // The runs retention emptied went with their batches, h1's last one with its host.
    expect(countRows(path, "ingested_batches")).toBe(0);
    expect(countRows(path, "agent_incarnations")).toBe(0);
  });

  it("retention reads the run of agents that send no incarnation by time, and deletes a batch of the highest seq", async () => {
    // An older agent whose state was reset numbers from 5 again: seq 10 is older than seq 5.
    const path = schema24File("no-incarnation.db", [
      ["h1", "", 10, "", 100],
      ["h1", "", 5, "ab", 400],
      ["h1", INCARNATION, Number.MAX_SAFE_INTEGER, "cd", 100],
    ]);
    const store = await openSqliteStore(path);
    try {
      expect(await store.retention.deleteBatchLedgerBefore(300, 10)).toBe(2);
      expect(await store.hosts.lastStoredSeq("h1")).toBe(5);
      // Seq 10 forgotten, a new batch 10 of that agent is stored, not taken for the one before migration 6.
      expect(
        await store.telemetry.write([
          { kind: "batch", hostId: "h1", at: 500, message: logs(10, "ten again") },
        ]),
      ).toEqual(["stored"]);
    } finally {
      await store.close();
    }
  });

  it("retention visits a bounded number of runs a call, going on from the last call's", async () => {
    const runs = 300;
    const path = schema24File(
      "many-runs.db",
      Array.from({ length: runs }, (_, i): [string, string, number, string, number] => [
        "h1",
        `run-${String(i).padStart(16, "0")}`,
        1,
        "ee",
        100,
      ]),
    );
    const store = await openSqliteStore(path);
    try {
      const calls: number[] = [];
      for (let i = 0; i < 4; i++) calls.push(await store.retention.deleteBatchLedgerBefore(300, 1_000));
      expect(calls).toEqual([256, runs - 256, 0, 0]);
      expect(await store.hosts.lastStoredSeq("h1")).toBeNull();
    } finally {
      await store.close();
    }
    expect(countRows(path, "agent_incarnations")).toBe(0);
  });
});
