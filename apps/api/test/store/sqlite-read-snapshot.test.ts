import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readSnapshot } from "../../src/store/sqlite/database.ts";

/**
 * A reader and a writer on one WAL file, as the store's main connection and its telemetry worker's:
 * the writer moves a row from one table to another between the reader's two statements.
 */
describe("readSnapshot on a WAL file shared with a writer", () => {
  let dir: string;
  let reader: DatabaseSync;
  let writer: DatabaseSync;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "crowsnest-snapshot-"));
    const path = join(dir, "db.sqlite");
    writer = new DatabaseSync(path);
    writer.exec("PRAGMA journal_mode = WAL; CREATE TABLE head (t INTEGER); CREATE TABLE packed (t INTEGER)");
    writer.exec("INSERT INTO head VALUES (1)");
    reader = new DatabaseSync(path);
  });
  afterEach(() => {
    reader.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const move = () =>
    writer.exec("BEGIN IMMEDIATE; INSERT INTO packed SELECT t FROM head; DELETE FROM head; COMMIT");
  const count = (table: string) =>
    (reader.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

  it("sees the row once, where it was when the snapshot began", () => {
    const seen = readSnapshot(reader, () => {
      const packed = count("packed");
      move();
      return packed + count("head");
    });
    expect(seen).toBe(1);
    // After it, the move shows.
    expect([count("head"), count("packed")]).toEqual([0, 1]);
    expect(reader.isTransaction).toBe(false);
  });

  it("is what two statements without it miss", () => {
    const packed = count("packed");
    move();
    expect(packed + count("head")).toBe(0);
  });

  it("ends its transaction when the reads throw", () => {
    expect(() =>
      readSnapshot(reader, () => {
        count("packed");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(reader.isTransaction).toBe(false);
  });
});
