import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MetricSample } from "@crowsnest/protocol";
import { afterEach, beforeEach, expect, it } from "vitest";
import { MINUTE } from "../../src/store/metric-chunk.ts";
import { openConnection } from "../../src/store/sqlite/connection.ts";
import { SeriesIds } from "../../src/store/sqlite/series.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { SqliteTelemetryWriter } from "../../src/store/sqlite/telemetry-writer.ts";
import { TimeWindow } from "../../src/store/time-window.ts";
import { metricSample, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential } from "./backends.ts";

const SECOND = 1_000;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "crowsnest-set-aside-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The SQLite writer (in this thread, to see its process warnings) warns of a damaged chunk it set
 * aside once the transaction that did it commits: not for a set-aside that SQLite rolled back with
 * the whole transaction (a full disk), and so once when it is done again.
 */
it("warns once of a chunk set aside, not of a set-aside SQLite rolled back", async () => {
  const path = join(dir, "crowsnest.db");
  const store = await openSqliteStore(path);
  const hostId = (await store.hosts.create("h", 0, anyCredential())).id;
  await store.close();
  const db = openConnection(path);
  const writer = new SqliteTelemetryWriter(db, new SeriesIds(db), new TimeWindow(365 * 24 * 60 * MINUTE));
  let seq = 0;
  const write = (samples: MetricSample[], at: number) => {
    seq += 1;
    writer.writeCounting([{ kind: "batch", hostId, at, message: { type: "metrics", seq, samples } }]);
  };
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  try {
    const id = newContainerId();
    write([metricSample(id, MINUTE)], MINUTE);
    write([], 3 * MINUTE);
    db.exec(`UPDATE metric_chunks SET data = x'ff' WHERE start = ${MINUTE}`);
    // A late sample of minute 1, staged by a write whose arrival clock packs nothing yet.
    write([metricSample(id, MINUTE + SECOND)], MINUTE + SECOND);
    // A full disk mid-slice, after the chunk was set aside: SQLite rolls the transaction back.
    db.exec(`CREATE TRIGGER full_disk BEFORE UPDATE ON metric_chunks
             BEGIN SELECT RAISE(ROLLBACK, 'database or disk is full'); END`);
    expect(() => write([], 3 * MINUTE + 1)).toThrow(/disk is full/);
    db.exec("DROP TRIGGER full_disk");
    expect(db.prepare("SELECT count(*) AS n FROM metric_chunks_damaged").get()).toEqual({ n: 0 });
    // Room again: the chunk is set aside, and reported, once.
    write([], 3 * MINUTE + 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(db.prepare("SELECT count(*) AS n FROM metric_chunks_damaged").get()).toEqual({ n: 1 });
    expect(warnings.filter((w) => w.includes("set aside in metric_chunks_damaged"))).toHaveLength(1);
  } finally {
    process.off("warning", onWarning);
    db.close();
  }
});
