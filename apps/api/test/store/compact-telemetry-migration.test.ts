import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import { configure, migrate } from "../../src/store/sqlite/database.ts";
import { compactTelemetryMigration } from "../../src/store/sqlite/migrations/009-compact-telemetry.ts";
import { MIGRATIONS } from "../../src/store/sqlite/migrations/index.ts";
import { registerSearchText } from "../../src/store/sqlite/search-text.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { metricSample, containerId as newContainerId } from "../support/samples.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-compact-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MINUTE = 60_000;

/**
 * A file written by the schema before migration 9 (text ids in every row, REAL rollup sums, text
 * log times): upgraded in place, every sample, rollup and line is read back as before.
 */
describe("migration 9: compact telemetry", () => {
  it("upgrades a file of the previous schema in place, keeping samples, rollups, lines, search and log bytes", async () => {
    const path = join(dir, "v8.db");
    const db = new DatabaseSync(path);
    configure(db);
    registerSearchText(db);
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version < compactTelemetryMigration.version),
    );
    const id = newContainerId();
    const other = newContainerId();
    db.prepare("INSERT INTO hosts (id, name, created_at) VALUES ('h1', 'old', 1)").run();
    const sample = db.prepare(`
      INSERT INTO metric_samples (host_id, container_id, t, cpu_percent, online_cpus, mem_used, mem_limit,
                                  net_rx, net_tx, blk_read, blk_write, pids)
      VALUES ('h1', ?, ?, ?, 2, ?, 1000000, ?, 7, 8, 9, 3)`);
    for (let i = 0; i < 3; i++) sample.run(id, MINUTE + i * 1_000, 10.25 * (i + 1), 500 + i, 1_000 + i);
    sample.run(other, MINUTE, 1.5, 42, 5);
    db.prepare(`
      INSERT INTO metric_rollups_1m (host_id, container_id, minute, n, cpu_sum, cpu_max, mem_sum, mem_max, mem_limit,
                                     net_rx, net_tx, blk_read, blk_write, pids_sum)
      VALUES ('h1', ?, ?, 3, 61.5, 30.75, 1503, 502, 1000000, 1002, 7, 8, 9, 9)`).run(id, MINUTE);
    const line = db.prepare(
      "INSERT INTO log_lines (host_id, container_id, ts, server_ts, stream, text, truncated) VALUES ('h1', ?, ?, ?, ?, ?, ?)",
    );
    line.run(id, "2026-01-01T00:00:00.000000002Z", null, "stdout", "\x1b[32mINFO\x1b[0m ready", 0);
    line.run(
      id,
      "2026-01-01T00:00:01.123456789Z",
      "2026-01-01T00:00:00.123456789Z",
      "stderr",
      "disk full",
      1,
    );
    line.run(other, "2026-01-01T00:00:02.000000000Z", null, "stdout", "other container", 0);
    const logBytes = (db.prepare("SELECT log_bytes FROM hosts").get() as { log_bytes: number }).log_bytes;
    db.close();

    const store = await openSqliteStore(path);
    try {
      const range = { hostId: "h1", containerId: id, from: 0, to: 10 * MINUTE };
      expect(
        (await store.metrics.raw(range)).map((p) => [p.t, p.cpuPercent, p.memUsedBytes, p.netRxBytes]),
      ).toEqual([
        [MINUTE, 10.25, 500, 1_000],
        [MINUTE + 1_000, 20.5, 501, 1_001],
        [MINUTE + 2_000, 30.75, 502, 1_002],
      ]);
      // The minute's samples are still head rows: since migration 13 its rollup is counted from
      // them, so its minima are theirs (migration 9 gave a rollup its average as minimum).
      expect(await store.metrics.rollups(range)).toEqual([
        {
          t: MINUTE,
          cpuPercent: 20.5,
          cpuPercentMin: 10.25,
          cpuPercentMax: 30.75,
          memUsedBytes: 501,
          memUsedBytesMin: 500,
          memUsedBytesMax: 502,
          memLimitBytes: 1_000_000,
          netRxBytes: 1_002,
          netTxBytes: 7,
          blkReadBytes: 8,
          blkWriteBytes: 9,
          pids: 3,
        },
      ]);
      expect(await store.metrics.raw({ ...range, containerId: other })).toHaveLength(1);
      // New samples of an upgraded series pack its older minute into a chunk, old rows included.
      await store.telemetry.write([
        {
          kind: "batch",
          hostId: "h1",
          at: 1,
          message: { type: "metrics", seq: 1, samples: [metricSample(id, 3 * MINUTE)] },
        },
      ]);
      expect((await store.metrics.raw(range)).map((p) => p.t)).toEqual([
        MINUTE,
        MINUTE + 1_000,
        MINUTE + 2_000,
        3 * MINUTE,
      ]);

      const query = {
        hostId: "h1",
        containerId: id,
        from: msToTs(0),
        to: msToTsEnd(Date.parse("2100-01-01")),
        words: null,
        stream: null,
        limit: 10,
        before: null,
      };
      const { lines } = await store.logs.query(query);
      expect(lines.map((l) => [l.id, l.ts, l.serverTs, l.stream, l.text, l.truncated])).toEqual([
        [
          "1",
          "2026-01-01T00:00:00.000000002Z",
          "2026-01-01T00:00:00.000000002Z",
          "stdout",
          "\x1b[32mINFO\x1b[0m ready",
          false,
        ],
        [
          "2",
          "2026-01-01T00:00:01.123456789Z",
          "2026-01-01T00:00:00.123456789Z",
          "stderr",
          "disk full",
          true,
        ],
      ]);
      expect((await store.logs.query({ ...query, words: ["info"] })).lines.map((l) => l.id)).toEqual(["1"]);
      expect((await store.logs.query({ ...query, words: ["FULL"] })).lines.map((l) => l.id)).toEqual(["2"]);
      expect((await store.logs.query({ ...query, stream: "stderr" })).lines.map((l) => l.id)).toEqual(["2"]);
      expect(await store.retention.hostsOverLogCap(0)).toEqual([{ hostId: "h1", excessBytes: logBytes }]);
      // The index forgets a deleted line: the line stays unfound after retention removes it.
      expect(await store.retention.deleteOldestLogs("h1", 1, 10)).toBe(1);
      expect((await store.logs.query({ ...query, words: ["info"] })).lines).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
