import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { MetricSample } from "@crowsnest/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  columnsOf,
  decodeColumns,
  encodeChunk,
  encodeSamples,
  HOUR,
  MINUTE,
} from "../../src/store/metric-chunk.ts";
import { PACK_GRACE_MS } from "../../src/store/sqlite/metric-packer.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { metricSample, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential } from "./backends.ts";
import { countRows } from "./old-schema-file.ts";

const SECOND = 1_000;

/**
 * SQLite's staging (migration 14), through a store on a file as the server opens it (the writer in
 * its thread): samples are staged as they arrive and packed into chunks once their minute is over
 * by the arrival clock of the writes; reads are the same before and after; a row that does not
 * decode is set aside, and so is a chunk (migration 18); a group that cannot be packed holds up no
 * write and no other group;
 * deleting a host takes its staged samples.
 */
describe("SQLite metric staging", () => {
  let dir: string;
  let path: string;
  let store: Store;
  let hostId: string;
  let seq = 0;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "crowsnest-staging-"));
    path = join(dir, "crowsnest.db");
    store = await openSqliteStore(path);
    hostId = (await store.hosts.create("h", 0, anyCredential())).id;
    seq = 0;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function write(samples: MetricSample[], at: number) {
    seq += 1;
    return store.telemetry.write([{ kind: "batch", hostId, at, message: { type: "metrics", seq, samples } }]);
  }

  /** Rows of a table of the store's file. */
  const count = (table: string) => countRows(path, table);

  it("spreads an hour's packing over the writes after it, a budget a write, through a restart, and reads the same", async () => {
    // 50 series that go on into hour 1, and one that stopped in hour 0.
    const ids = Array.from({ length: 51 }, () => newContainerId());
    const going = ids.slice(0, 50);
    for (let m = 0; m < 60; m++)
      await write(
        ids.map((id) => metricSample(id, m * MINUTE, m)),
        m * MINUTE,
      );
    await write(
      going.map((id) => metricSample(id, HOUR, 60)),
      HOUR,
    );
    const hourChunks = () => {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        return (
          db.prepare(`SELECT count(*) AS n FROM metric_chunks WHERE span = ${HOUR}`).get() as { n: number }
        ).n;
      } finally {
        db.close();
      }
    };
    // Each series' rollup rows of hour 0 become its rollup chunk with its raw hour, in the same write.
    const rollupsPacked = () => ({
      chunks: count("metric_rollup_chunks"),
      rows: count("metric_rollups"),
    });
    const reads = async () =>
      Promise.all(
        ids.map((containerId) => store.metrics.raw({ hostId, containerId, from: 0, to: 2 * HOUR })),
      );
    const rollupReads = async () =>
      Promise.all(
        ids.map((containerId) => store.metrics.rollups({ hostId, containerId, from: 0, to: 2 * HOUR })),
      );
    const before = await reads();
    const rollupsBefore = await rollupReads();
    // Hour 0 is over, but its last minute's staging not yet packed: no hour is packed.
    await write([], HOUR + PACK_GRACE_MS);
    expect(hourChunks()).toBe(0);
    expect(rollupsPacked()).toEqual({ chunks: 0, rows: 51 * 60 });
    // A minute on, hour 0 is packed with each write's budget, not all at once: this write staged
    // nothing, so it packs PACK_FLOOR's 1,000 samples: 17 series' hours of 60 samples, not 51.
    await write([], HOUR + MINUTE + PACK_GRACE_MS);
    expect(hourChunks()).toBe(17);
    expect(count("metric_chunks")).toBe(17 + 34 * 60 + 50);
    // Hour 1's first minute, packed in this write too, is 50 rows of its own.
    expect(rollupsPacked()).toEqual({ chunks: 17, rows: 34 * 60 + 50 });
    expect(await reads()).toEqual(before);
    // What is left is found again after a restart, the series that stopped too.
    await store.close();
    store = await openSqliteStore(path);
    await write([], HOUR + MINUTE + PACK_GRACE_MS + 1);
    await write([], HOUR + MINUTE + PACK_GRACE_MS + 2);
    expect(hourChunks()).toBe(51);
    expect(count("metric_chunks")).toBe(51 + 50);
    expect(rollupsPacked()).toEqual({ chunks: 51, rows: 50 });
    expect(await reads()).toEqual(before);
    expect(await rollupReads()).toEqual(rollupsBefore);
  });

  /** The chunks of the store's file, by start and span: each one's container and span (a minute's or an hour's). */
  const chunks = () => {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      return db
        .prepare(`SELECT s.container_id AS containerId, c.span FROM metric_chunks c JOIN series s ON s.id = c.series
                  ORDER BY c.start, c.span`)
        .all() as { containerId: string; span: number }[];
    } finally {
      db.close();
    }
  };

  it("packs a finished hour only once all its staging is packed, so that no minute is merged into its chunk", async () => {
    const ids = Array.from({ length: 30 }, () => newContainerId());
    const range = (containerId: string) => ({ hostId, containerId, from: 0, to: HOUR });
    await write(
      ids.map((id) => metricSample(id, 0)),
      0,
    );
    // Hour 0's last minute: a sample a second of each series, 1,800, staged.
    await write(
      ids.flatMap((id) =>
        Array.from({ length: 60 }, (_, s) => metricSample(id, 59 * MINUTE + s * SECOND, s)),
      ),
      59 * MINUTE,
    );
    const before = await Promise.all(ids.map((id) => store.metrics.raw(range(id))));
    // Hour 0 over: this write packs PACK_FLOOR's 1,000 staged samples and no hour, the rest still staged.
    await write([], HOUR + MINUTE + PACK_GRACE_MS);
    expect(count("metric_staging")).toBeGreaterThan(0);
    expect(chunks().filter((c) => c.span === HOUR)).toEqual([]);
    // The next packs the rest of the staging, then hours; the one after, the hours left.
    await write([], HOUR + MINUTE + PACK_GRACE_MS + 1);
    expect(count("metric_staging")).toBe(0);
    await write([], HOUR + MINUTE + PACK_GRACE_MS + 2);
    expect(chunks().map((c) => c.span)).toEqual(ids.map(() => HOUR));
    expect(await Promise.all(ids.map((id) => store.metrics.raw(range(id))))).toEqual(before);
  });

  it("pays for a series' hour larger than a write's budget with the writes after it", async () => {
    const big = newContainerId();
    const small = Array.from({ length: 20 }, () => newContainerId());
    // 1,500 samples of one series in minute 0 (its chunk the oldest), 60 of each other in minute 1.
    await write(
      Array.from({ length: 1_500 }, (_, i) => metricSample(big, i * 40, i % 100)),
      0,
    );
    await write(
      small.flatMap((id) => Array.from({ length: 60 }, (_, s) => metricSample(id, MINUTE + s * SECOND, s))),
      MINUTE,
    );
    await write([], 3 * MINUTE);
    await write([], 3 * MINUTE + 1);
    await write([], 3 * MINUTE + 2);
    expect(count("metric_staging")).toBe(0);
    // Writes that stage nothing allow PACK_FLOOR's 1,000 samples each: the big series' 1,500 take
    // the first, and 500 more of the second's; that one packs 9 hours of 60, the third the rest.
    await write([], HOUR + MINUTE + PACK_GRACE_MS);
    expect(hourChunkCount()).toBe(1);
    await write([], HOUR + MINUTE + PACK_GRACE_MS + 1);
    expect(hourChunkCount()).toBe(10);
    await write([], HOUR + MINUTE + PACK_GRACE_MS + 2);
    expect(hourChunkCount()).toBe(21);
  });

  /** Hour 0 of 51 series, a sample a minute, its staging packed at the hour's end; no hour chunk yet. */
  async function hourOf51Series(): Promise<void> {
    const ids = Array.from({ length: 51 }, () => newContainerId());
    for (let m = 0; m < 60; m++)
      await write(
        ids.map((id) => metricSample(id, m * MINUTE, m)),
        m * MINUTE,
      );
    await write([], HOUR + PACK_GRACE_MS);
  }
  const hourChunkCount = () => chunks().filter((c) => c.span === HOUR).length;

  it("leaves finished hours to the writes' budgets while writes come, and the retention sweep packs them once writes stopped", async () => {
    await hourOf51Series();
    // A write that stages nothing packs PACK_FLOOR's 1,000 samples: 17 series' hours of 60.
    const last = HOUR + MINUTE + PACK_GRACE_MS;
    await write([], last);
    expect(hourChunkCount()).toBe(17);
    // The sweep asks a minute back (packRawMetrics): a write came in that minute, so the hours left
    // are the writes' to pack, not the sweep's in transactions of 100,000 samples.
    expect(await store.retention.packRawMetrics?.(last + MINUTE, 100_000)).toBe(0);
    expect(hourChunkCount()).toBe(17);
    // A minute with no write: writes have stopped, and the sweep packs every hour left.
    expect(await store.retention.packRawMetrics?.(last + MINUTE + 1, 100_000)).toBe(34 * 60);
    expect(hourChunkCount()).toBe(51);
    expect(count("metric_chunks")).toBe(51);
  });

  it("packs in the retention sweep, while writes come, the hours over for an hour more that their budgets left", async () => {
    await hourOf51Series();
    // Writes that stage nothing, an hour apart: each packs PACK_FLOOR's 17 series' hours.
    await write([], HOUR + MINUTE + PACK_GRACE_MS);
    const last = 2 * HOUR + MINUTE + PACK_GRACE_MS;
    await write([], last);
    expect(hourChunkCount()).toBe(34);
    // A write came in the sweep's minute, but hour 0 has been over for an hour more: a backlog.
    expect(await store.retention.packRawMetrics?.(last + MINUTE, 100_000)).toBe(17 * 60);
    expect(hourChunkCount()).toBe(51);
  });

  it("passes over a series whose hour fails to pack until the next hour, and packs every other", async () => {
    const failing = newContainerId();
    const other = newContainerId();
    // The failing series' minute is older: it is the first the packer finds.
    await write([metricSample(failing, 0)], 0);
    await write([metricSample(other, MINUTE)], MINUTE);
    const own = new DatabaseSync(path);
    try {
      own.exec("PRAGMA busy_timeout = 5000");
      const { id } = own.prepare("SELECT id FROM series WHERE container_id = ?").get(failing) as {
        id: number;
      };
      own.exec(`CREATE TRIGGER refuse_hour BEFORE INSERT ON metric_chunks WHEN NEW.series = ${id} AND NEW.span = ${HOUR}
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
      await write([], HOUR + MINUTE + PACK_GRACE_MS);
      expect(chunks()).toEqual([
        { containerId: failing, span: MINUTE },
        { containerId: other, span: HOUR },
      ]);
      // Its savepoint rolled back: its rollup row is still a row, the other's a chunk.
      expect([count("metric_rollups"), count("metric_rollup_chunks")]).toEqual([1, 1]);
      // Passed over for the rest of the hour, though it would pack now; packed in the next.
      own.exec("DROP TRIGGER refuse_hour");
      await write([], HOUR + 2 * MINUTE);
      expect(chunks()[0]).toEqual({ containerId: failing, span: MINUTE });
      await write([], 2 * HOUR + MINUTE + PACK_GRACE_MS);
      expect(chunks()).toHaveLength(2);
      expect(chunks()).toEqual(
        expect.arrayContaining([
          { containerId: failing, span: HOUR },
          { containerId: other, span: HOUR },
        ]),
      );
      expect([count("metric_rollups"), count("metric_rollup_chunks")]).toEqual([0, 2]);
    } finally {
      own.close();
    }
  });

  it("packs a minute's staged samples once it is over, and reads them the same", async () => {
    const id = newContainerId();
    const range = { hostId, containerId: id, from: 0, to: 10 * MINUTE };
    // Two and a half minutes of samples, every 10 s, arriving in minute 0; one resent.
    const samples = Array.from({ length: 15 }, (_, i) => metricSample(id, i * 10 * SECOND, i));
    await write(samples.slice(0, 10), 10 * SECOND);
    await write([...samples.slice(9), samples[3] as MetricSample], 20 * SECOND);
    // A row per write and minute of its samples.
    expect(count("metric_staging")).toBe(5);
    expect(count("metric_chunks")).toBe(0);
    const raw = await store.metrics.raw(range);
    expect(raw.map((p) => p.t)).toEqual(samples.map((s) => s.t));
    const rollups = await store.metrics.rollups(range);
    expect(rollups.map((p) => [p.t, p.cpuPercent])).toEqual([
      [0, 2.5],
      [MINUTE, 8.5],
      [2 * MINUTE, 13],
    ]);

    // Minute 0 is over, but not yet for PACK_GRACE_MS by the arrival clock: its staging waits.
    await write([metricSample(id, 150 * SECOND, 15)], MINUTE + PACK_GRACE_MS - 1);
    expect(count("metric_chunks")).toBe(0);
    // Now minute 0 is due, and only it.
    await write([metricSample(id, 160 * SECOND, 16)], MINUTE + PACK_GRACE_MS);
    expect(count("metric_chunks")).toBe(1);
    expect(count("metric_staging")).toBe(5);
    expect(await store.metrics.raw({ ...range, to: 140 * SECOND })).toEqual(raw);
    expect((await store.metrics.rollups(range)).slice(0, 2)).toEqual(rollups.slice(0, 2));
    // Then minutes 1 and 2.
    await write([], 3 * MINUTE + PACK_GRACE_MS);
    expect(count("metric_chunks")).toBe(3);
    expect(count("metric_staging")).toBe(0);
    expect((await store.metrics.raw(range)).map((p) => p.t)).toEqual([
      ...samples.map((s) => s.t),
      150 * SECOND,
      160 * SECOND,
    ]);
    const packed = await store.metrics.rollups(range);
    expect(packed.slice(0, 2)).toEqual(rollups.slice(0, 2));
    expect(packed[2]).toMatchObject({ t: 2 * MINUTE, cpuPercent: (12 + 13 + 14 + 15 + 16) / 5 });
    // Nothing is left for the retention sweep to pack.
    expect(await store.retention.packRawMetrics?.(10 * MINUTE, 1_000)).toBe(0);
  });

  it("packs samples resent after their minute was packed into nothing: the rows go, each sample counted once", async () => {
    const id = newContainerId();
    const range = { hostId, containerId: id, from: 0, to: 10 * MINUTE };
    const samples = Array.from({ length: 6 }, (_, i) => metricSample(id, i * 10 * SECOND, i));
    await write(samples, 10 * SECOND);
    await write([], MINUTE + PACK_GRACE_MS);
    expect(count("metric_chunks")).toBe(1);
    const raw = await store.metrics.raw(range);
    const rollups = await store.metrics.rollups(range);
    // The agent sends minute 0 again (its ack lost), arriving in minute 2: all of it is packed already.
    await write(samples, 2 * MINUTE);
    await write([], 3 * MINUTE + PACK_GRACE_MS);
    expect(count("metric_staging")).toBe(0);
    expect(count("metric_chunks")).toBe(1);
    expect(await store.metrics.raw(range)).toEqual(raw);
    expect(await store.metrics.rollups(range)).toEqual(rollups);
    expect(rollups).toMatchObject([{ t: 0, cpuPercent: 2.5 }]);
  });

  it("packs a group a slice of its series at a time, reads exact between slices, and takes its rows once done", async () => {
    const ids = Array.from({ length: 100 }, () => newContainerId());
    // 100 containers of one host (one staging group), six samples each in minute 0.
    await write(
      ids.flatMap((id, c) => Array.from({ length: 6 }, (_, i) => metricSample(id, i * 10 * SECOND, c + i))),
      0,
    );
    const read = async () =>
      Promise.all(
        ids.map(async (id) => {
          const range = { hostId, containerId: id, from: 0, to: MINUTE };
          return [
            (await store.metrics.raw(range)).length,
            (await store.metrics.rollups(range))[0]?.cpuPercent,
          ];
        }),
      );
    const expected = ids.map((_, c) => [6, c + 2.5]);
    expect(await read()).toEqual(expected);
    // A chart of at most six points: each sample counted once, staged or packed, so the six are shown as they are.
    const history = async () =>
      Promise.all(
        ids.map(async (id) => {
          const range = { hostId, containerId: id, from: 0, to: MINUTE };
          const { points, bucketMs } = await store.metrics.history({ ...range, tier: "raw", maxPoints: 6 });
          return [points.length, bucketMs];
        }),
      );
    const expectedHistory = ids.map(() => [6, null]);
    expect(await history()).toEqual(expectedHistory);
    let slices = 0;
    for (let packed = 1; packed > 0; slices++) {
      packed = (await store.retention.packRawMetrics?.(2 * MINUTE + PACK_GRACE_MS, 100)) ?? 0;
      if (packed > 0) expect(await read()).toEqual(expected);
      if (packed > 0) expect(await history()).toEqual(expectedHistory);
      if (count("metric_staging") > 0) expect(count("metric_chunks")).toBeLessThan(100);
    }
    expect(slices).toBeGreaterThan(5);
    expect(count("metric_staging")).toBe(0);
    expect(count("metric_chunks")).toBe(100);
    expect(await read()).toEqual(expected);
  });

  it("packs nothing of a host deleted while its staging group is half packed", async () => {
    const ids = Array.from({ length: 100 }, () => newContainerId());
    await write(
      ids.flatMap((id, c) => Array.from({ length: 6 }, (_, i) => metricSample(id, i * 10 * SECOND, c + i))),
      0,
    );
    const due = 2 * MINUTE + PACK_GRACE_MS;
    expect(await store.retention.packRawMetrics?.(due, 100)).toBeGreaterThan(0);
    // The group is half packed: the writer keeps in memory how far it got.
    expect(count("metric_staging")).toBe(1);
    expect(count("metric_chunks")).toBeGreaterThan(0);
    expect(await store.hosts.delete(hostId)).toBe(true);
    expect([count("metric_staging"), count("metric_chunks")]).toEqual([0, 0]);
    // Its rows went with the host: the rest of the group packs nothing.
    expect(await store.retention.packRawMetrics?.(due, 1_000)).toBe(0);
    expect([count("metric_staging"), count("metric_chunks"), count("series")]).toEqual([0, 0, 0]);
  });

  it("sets a staging row that does not decode aside, and packs the rest of its group", async () => {
    const id = newContainerId();
    await write([metricSample(id, 0)], 0);
    // A staging row of the host's group that no writer made (a damaged file), due at once.
    const own = new DatabaseSync(path);
    try {
      own.exec("PRAGMA busy_timeout = 5000");
      const { grp } = own.prepare("SELECT grp FROM metric_staging").get() as { grp: number };
      own
        .prepare("INSERT INTO metric_staging (host_id, grp, minute, data) VALUES (?, ?, 0, ?)")
        .run(hostId, grp, new Uint8Array(24));
    } finally {
      own.close();
    }
    const range = { hostId, containerId: id, from: 0, to: MINUTE };
    // Read around while it waits.
    expect(await write([metricSample(id, SECOND)], 0)).toEqual(["stored"]);
    expect((await store.metrics.raw(range)).map((p) => p.t)).toEqual([0, SECOND]);
    expect((await store.metrics.rollups(range)).map((p) => p.t)).toEqual([0]);

    expect(await write([], 2 * MINUTE)).toEqual(["stored"]);
    expect(count("metric_staging")).toBe(0);
    expect(count("metric_chunks")).toBe(1);
    expect((await store.metrics.raw(range)).map((p) => p.t)).toEqual([0, SECOND]);
    const reader = new DatabaseSync(path, { readOnly: true });
    try {
      expect(
        reader.prepare("SELECT host_id AS h, length(data) AS bytes, error FROM metric_staging_damaged").all(),
      ).toEqual([{ h: hostId, bytes: 24, error: "a staging row of 24 bytes does not hold 0 samples" }]);
    } finally {
      reader.close();
    }
    // Deleted with its host.
    expect(await store.hosts.delete(hostId)).toBe(true);
    expect(count("metric_staging_damaged")).toBe(0);
  });

  it("sets aside damaged rows with ids of their own, and packs a late row staged while their group is packed", async () => {
    const ids = Array.from({ length: 100 }, () => newContainerId());
    const damage = () => {
      const own = new DatabaseSync(path);
      try {
        own.exec("PRAGMA busy_timeout = 5000");
        own
          .prepare(
            "INSERT INTO metric_staging (host_id, grp, minute, data) SELECT host_id, grp, 0, ? FROM metric_staging LIMIT 1",
          )
          .run(new Uint8Array(16));
      } finally {
        own.close();
      }
    };
    // 100 containers of one host (one staging group), six samples each in minute 0; a damaged row
    // staged last, so the group's packing starts at its id.
    await write(
      ids.flatMap((id) => Array.from({ length: 6 }, (_, i) => metricSample(id, i * 10 * SECOND))),
      0,
    );
    damage();
    // One slice: the damaged row is set aside, some series are packed.
    expect(await store.retention.packRawMetrics?.(2 * MINUTE + PACK_GRACE_MS, 100)).toBeGreaterThan(0);
    expect(count("metric_staging_damaged")).toBe(1);
    // A late sample of a packed series, staged while the rest of the group is packed.
    const first = ids[0] as string;
    await write([metricSample(first, 55 * SECOND)], MINUTE);
    await store.retention.packRawMetrics?.(3 * MINUTE + PACK_GRACE_MS, 100_000);
    expect(count("metric_staging")).toBe(0);
    const range = { hostId, containerId: first, from: 0, to: MINUTE };
    expect((await store.metrics.raw(range)).map((p) => p.t)).toEqual(
      [0, 10, 20, 30, 40, 50, 55].map((s) => s * SECOND),
    );
    // A second damaged row, once staging was emptied: set aside beside the first.
    await write([metricSample(first, 2 * MINUTE)], 2 * MINUTE);
    damage();
    await store.retention.packRawMetrics?.(5 * MINUTE + PACK_GRACE_MS, 100_000);
    expect(count("metric_staging")).toBe(0);
    expect(count("metric_staging_damaged")).toBe(2);
  });

  it("puts off a group it cannot pack, and packs every other group and the write that came", async () => {
    const id = newContainerId();
    const other = (await store.hosts.create("other", 0, anyCredential())).id;
    const otherId = newContainerId();
    await write([metricSample(id, 0)], 0);
    await write([], 2 * MINUTE);
    expect(count("metric_chunks")).toBe(1);
    const own = new DatabaseSync(path);
    try {
      own.exec("PRAGMA busy_timeout = 5000");
      // The host's packed minute cannot take another sample: the table refuses its rewrite.
      own.exec(`CREATE TRIGGER refuse_rewrite BEFORE UPDATE ON metric_chunks
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
      seq += 1;
      const both = await store.telemetry.write([
        {
          kind: "batch",
          hostId,
          at: 2 * MINUTE,
          message: { type: "metrics", seq, samples: [metricSample(id, SECOND)] },
        },
        {
          kind: "batch",
          hostId: other,
          at: 2 * MINUTE,
          message: { type: "metrics", seq, samples: [metricSample(otherId, 0)] },
        },
      ]);
      expect(both).toEqual(["stored", "stored"]);
      // Packed at the next write: the other host's group is, the failing one waits a minute more.
      expect(await write([], 2 * MINUTE + 1)).toEqual(["stored"]);
      expect(count("metric_chunks")).toBe(2);
      const waiting = own.prepare("SELECT DISTINCT host_id AS h, minute FROM metric_staging").all();
      expect(waiting).toEqual([{ h: hostId, minute: 2 * MINUTE }]);
      expect(await store.retention.packRawMetrics?.(3 * MINUTE + PACK_GRACE_MS, 1_000)).toBe(0);
      // Read meanwhile from staging.
      expect(
        (await store.metrics.raw({ hostId, containerId: id, from: 0, to: MINUTE })).map((p) => p.t),
      ).toEqual([0, SECOND]);
      own.exec("DROP TRIGGER refuse_rewrite");
    } finally {
      own.close();
    }
    expect(await store.retention.packRawMetrics?.(5 * MINUTE + PACK_GRACE_MS, 1_000)).toBe(1);
    expect(count("metric_staging")).toBe(0);
    expect(
      (await store.metrics.raw({ hostId, containerId: id, from: 0, to: MINUTE })).map((p) => p.t),
    ).toEqual([0, SECOND]);
  });

  it("sets damaged chunks aside, raw and rollup, reads around them, and packs their series without them", async () => {
    const id = newContainerId();
    const range = { hostId, containerId: id, from: 0, to: 2 * MINUTE };
    const times = (points: { t: number }[]) => points.map((p) => p.t);
    const damaged = () =>
      own.prepare("SELECT tier, start, span, hex(data) AS data FROM metric_chunks_damaged ORDER BY id").all();
    // Minutes 0 and 1 packed, each a chunk.
    await write([metricSample(id, 0), metricSample(id, MINUTE)], 0);
    await write([], 3 * MINUTE);
    expect(count("metric_chunks")).toBe(2);
    const own = new DatabaseSync(path);
    try {
      own.exec("PRAGMA busy_timeout = 5000");
      own.exec(`UPDATE metric_chunks SET data = x'ff' WHERE start = ${MINUTE}`);
      // A chart reads around the damaged chunk.
      expect(times(await store.metrics.raw(range))).toEqual([0]);
      expect((await store.metrics.history({ ...range, tier: "raw", maxPoints: 100 })).points).toHaveLength(1);
      expect(await store.metrics.rollups(range)).toHaveLength(2);

      // A late sample of the damaged minute: the chunk is set aside and written anew with it.
      await write([metricSample(id, MINUTE + SECOND)], 3 * MINUTE);
      await write([], 3 * MINUTE + 1);
      expect(count("metric_staging")).toBe(0);
      expect(damaged()).toEqual([{ tier: "raw", start: MINUTE, span: MINUTE, data: "FF" }]);
      expect(times(await store.metrics.raw(range))).toEqual([0, MINUTE + SECOND]);

      // Minute 0 damaged, then the next hour's sample packs hour 0: without it, and it set aside.
      own.exec("UPDATE metric_chunks SET data = x'fe' WHERE start = 0");
      await write([metricSample(id, 60 * MINUTE)], 60 * MINUTE);
      await write([], 62 * MINUTE);
      expect(own.prepare("SELECT start, span, n FROM metric_chunks ORDER BY start").all()).toEqual([
        { start: 0, span: 60 * MINUTE, n: 1 },
        { start: 60 * MINUTE, span: MINUTE, n: 1 },
      ]);
      expect(damaged().at(-1)).toEqual({ tier: "raw", start: 0, span: MINUTE, data: "FE" });
      expect(times(await store.metrics.raw(range))).toEqual([MINUTE + SECOND]);

      // Hour 0's rollups are a chunk now; damaged, the rollups read around it, and a late sample's
      // minute is counted in a chunk written anew.
      expect(count("metric_rollup_chunks")).toBe(1);
      own.exec("UPDATE metric_rollup_chunks SET data = x'fd'");
      expect(await store.metrics.rollups(range)).toEqual([]);
      await write([metricSample(id, 2 * MINUTE)], 62 * MINUTE);
      await write([], 62 * MINUTE + 1);
      expect(damaged().at(-1)).toEqual({ tier: "1m", start: 0, span: 60 * MINUTE, data: "FD" });
      expect((await store.metrics.rollups(range)).map((p) => p.t)).toEqual([2 * MINUTE]);
      expect(count("metric_staging")).toBe(0);
    } finally {
      own.close();
    }
    // The host's damaged chunks go with it.
    expect(await store.hosts.delete(hostId)).toBe(true);
    expect(count("metric_chunks_damaged")).toBe(0);
  });

  it("compresses minute and hour chunks, and reads and joins a minute chunk an earlier version kept uncompressed", async () => {
    const id = newContainerId();
    const range = { hostId, containerId: id, from: 0, to: 2 * MINUTE };
    await write([metricSample(id, 0), metricSample(id, MINUTE), metricSample(id, 2 * MINUTE)], 0);
    await write([], 4 * MINUTE);
    const own = new DatabaseSync(path);
    try {
      own.exec("PRAGMA busy_timeout = 5000");
      const chunks = () =>
        own
          .prepare("SELECT start, span, hex(substr(data, 1, 1)) AS format FROM metric_chunks ORDER BY start")
          .all();
      // A zstd frame starts with byte 0x28.
      expect(chunks()).toEqual([
        { start: 0, span: MINUTE, format: "28" },
        { start: MINUTE, span: MINUTE, format: "28" },
        { start: 2 * MINUTE, span: MINUTE, format: "28" },
      ]);
      // Minute 0 as 46a6a84 to 7b3ae8b kept it: format 1 content and its CRC-32.
      const stored = (start: number) =>
        (own.prepare(`SELECT data FROM metric_chunks WHERE start = ${start}`).get() as { data: Uint8Array })
          .data;
      const plain = encodeSamples(decodeColumns(stored(0)), false);
      own.prepare("UPDATE metric_chunks SET data = ? WHERE start = 0").run(plain);
      expect(chunks()[0]).toEqual({ start: 0, span: MINUTE, format: "01" });
      const before = await store.metrics.raw(range);
      expect(before.map((p) => p.t)).toEqual([0, MINUTE, 2 * MINUTE]);
      // One bit flipped in minute 1's chunk: zstd's checksum fails, and the hour is packed without it.
      const data = stored(MINUTE);
      data[Math.floor(data.length / 2)] = (data[Math.floor(data.length / 2)] as number) ^ 4;
      own.prepare(`UPDATE metric_chunks SET data = ? WHERE start = ${MINUTE}`).run(data);
      await write([metricSample(id, 60 * MINUTE)], 60 * MINUTE);
      await write([], 62 * MINUTE);
      expect(chunks()).toEqual([
        { start: 0, span: 60 * MINUTE, format: "28" },
        { start: 60 * MINUTE, span: MINUTE, format: "28" },
      ]);
      expect(own.prepare("SELECT tier, start FROM metric_chunks_damaged").all()).toEqual([
        { tier: "raw", start: MINUTE },
      ]);
      expect(await store.metrics.raw(range)).toEqual([before[0], before[2]]);
      // A late sample joins the hour's chunk, written anew and compressed.
      await write([metricSample(id, 30 * SECOND)], 62 * MINUTE);
      await write([], 62 * MINUTE + 1);
      expect(chunks()[0]).toEqual({ start: 0, span: 60 * MINUTE, format: "28" });
      expect((await store.metrics.raw(range)).map((p) => p.t)).toEqual([0, 30 * SECOND, 2 * MINUTE]);
    } finally {
      own.close();
    }
  });

  it("sets aside a chunk that decodes but is not what its row says: a count flipped, a NaN", async () => {
    const id = newContainerId();
    const other = newContainerId();
    const range = { hostId, containerId: id, from: 0, to: 3 * 60 * MINUTE };
    // One sample a minute through hour 0, then one of hour 1; hour 0 is packed once over, rollups too.
    await write(
      Array.from({ length: 60 }, (_, i) => metricSample(id, i * MINUTE)),
      60 * MINUTE,
    );
    await write([metricSample(id, 62 * MINUTE)], 62 * MINUTE);
    await write([], 64 * MINUTE);
    expect(count("metric_rollup_chunks")).toBe(1);
    const own = new DatabaseSync(path);
    try {
      own.exec("PRAGMA busy_timeout = 5000");
      // Bit 6 of the rollup chunk's count flipped (60 → 124): its constant columns store no values
      // a row, so it still decodes, to minutes it never held. Byte 0 is the rollup format, 1 the codec's.
      const { data } = own.prepare("SELECT data FROM metric_rollup_chunks").get() as { data: Uint8Array };
      expect(data[2]).toBe(60);
      const flipped = data.slice();
      flipped[2] = 60 | 64;
      own.prepare("UPDATE metric_rollup_chunks SET data = ?").run(flipped);
      expect((await store.metrics.rollups(range)).map((p) => p.t)).toEqual([62 * MINUTE]);
      // The minute chunk of hour 1 with a NaN memory limit: it decodes too.
      const { containerId: _, ...sample } = metricSample(id, 62 * MINUTE);
      own
        .prepare(`UPDATE metric_chunks SET data = ? WHERE start = ${62 * MINUTE}`)
        .run(encodeChunk([{ ...sample, memLimitBytes: Number.NaN }]));
      expect(await store.metrics.raw({ ...range, from: 60 * MINUTE })).toEqual([]);
      // Late samples of both minutes, beside another series of the group: all packed, both set aside.
      await write(
        [
          metricSample(id, 30 * MINUTE + SECOND),
          metricSample(id, 62 * MINUTE + SECOND),
          metricSample(other, 63 * MINUTE),
        ],
        64 * MINUTE,
      );
      await write([], 66 * MINUTE);
      expect(count("metric_staging")).toBe(0);
      expect(own.prepare("SELECT tier, start FROM metric_chunks_damaged ORDER BY tier").all()).toEqual([
        { tier: "1m", start: 0 },
        { tier: "raw", start: 62 * MINUTE },
      ]);
      expect((await store.metrics.rollups(range)).map((p) => p.t)).toEqual([30 * MINUTE, 62 * MINUTE]);
      expect((await store.metrics.raw({ ...range, from: 60 * MINUTE })).map((p) => p.t)).toEqual([
        62 * MINUTE + SECOND,
      ]);

      // Retention takes the damaged copies as it takes their tier's chunks.
      await store.retention.deleteRawMetricsBefore(62 * MINUTE, 10_000);
      expect(count("metric_chunks_damaged")).toBe(2);
      await store.retention.deleteRawMetricsBefore(63 * MINUTE, 10_000);
      expect(own.prepare("SELECT tier FROM metric_chunks_damaged").all()).toEqual([{ tier: "1m" }]);
      await store.retention.deleteRollupsBefore(60 * MINUTE, 10_000);
      expect(count("metric_chunks_damaged")).toBe(0);
    } finally {
      own.close();
    }
  });

  it("sets aside at hour packing a minute chunk that decodes but is not what its row says", async () => {
    const id = newContainerId();
    const range = { hostId, containerId: id, from: 0, to: 3 * MINUTE };
    await write([metricSample(id, 0), metricSample(id, MINUTE), metricSample(id, 2 * MINUTE)], 0);
    await write([], 4 * MINUTE);
    const own = new DatabaseSync(path);
    try {
      own.exec("PRAGMA busy_timeout = 5000");
      const { containerId: _, ...sample } = metricSample(id, 0);
      // Minute 0: a chunk not compressed (its CRC sound) with a NaN memory limit.
      own
        .prepare("UPDATE metric_chunks SET data = ? WHERE start = 0")
        .run(encodeSamples(columnsOf([{ ...sample, memLimitBytes: Number.NaN }]), false));
      // Minute 1: its row says 2 samples where the chunk holds 1. Joined, the hour would hold 3 of 2.
      own.exec(`UPDATE metric_chunks SET n = 2 WHERE start = ${MINUTE}`);
      await write([metricSample(id, 60 * MINUTE)], 60 * MINUTE);
      await write([], 62 * MINUTE);
      expect(own.prepare("SELECT tier, start FROM metric_chunks_damaged ORDER BY start").all()).toEqual([
        { tier: "raw", start: 0 },
        { tier: "raw", start: MINUTE },
      ]);
      expect(own.prepare("SELECT start, span, n FROM metric_chunks ORDER BY start").all()).toEqual([
        { start: 0, span: 60 * MINUTE, n: 1 },
        { start: 60 * MINUTE, span: MINUTE, n: 1 },
      ]);
      expect((await store.metrics.raw(range)).map((p) => p.t)).toEqual([2 * MINUTE]);
    } finally {
      own.close();
    }
  });

  it("packs a minute of samples whose memory adds up past 2^63, and every other host's", async () => {
    const evil = newContainerId();
    const other = (await store.hosts.create("other", 0, anyCredential())).id;
    const otherId = newContainerId();
    // Valid samples (the protocol's bound is 2^53 − 1 bytes), 1,100 of one minute.
    const huge = Array.from({ length: 1_100 }, (_, i) =>
      MetricSample.parse(metricSample(evil, i, 1, Number.MAX_SAFE_INTEGER)),
    );
    await write(huge, 0);
    seq += 1;
    await store.telemetry.write([
      {
        kind: "batch",
        hostId: other,
        at: 0,
        message: { type: "metrics", seq, samples: [metricSample(otherId, 0)] },
      },
    ]);
    // A sample of the next hour, so that the minute's rollup row is read back to be packed.
    await write([metricSample(evil, 60 * MINUTE)], 61 * MINUTE + PACK_GRACE_MS);
    await store.retention.packRawMetrics?.(62 * MINUTE + PACK_GRACE_MS, 10_000);
    expect(count("metric_staging")).toBe(0);
    const [minute] = await store.metrics.rollups({ hostId, containerId: evil, from: 0, to: 0 });
    expect(minute?.memUsedBytes).toBeCloseTo(Number.MAX_SAFE_INTEGER, -3);
    expect(await store.metrics.raw({ hostId: other, containerId: otherId, from: 0, to: 0 })).toHaveLength(1);
  });

  it("counts a staged sample in its minute's rollup as it will be once packed: a resend once, the latest limit", async () => {
    const id = newContainerId();
    const range = { hostId, containerId: id, from: 0, to: 0 };
    const limited = (t: number, cpu: number, memLimitBytes: number) => ({
      ...metricSample(id, t, cpu),
      memLimitBytes,
    });
    await write(
      [10, 20, 30].map((s) => limited(s * SECOND, 10, 100)),
      SECOND,
    );
    // The sweep packs staging due a minute before (the writer packs the newest as writes come).
    expect(await store.retention.packRawMetrics?.(MINUTE + PACK_GRACE_MS, 1_000)).toBe(0);
    expect(await store.retention.packRawMetrics?.(2 * MINUTE + PACK_GRACE_MS, 1_000)).toBe(3);
    // Staged: a late sample older than the minute's latest, and a resend of a packed one.
    await write([limited(5 * SECOND, 40, 200), limited(20 * SECOND, 1_000, 300)], 2 * SECOND);
    expect(count("metric_staging")).toBe(1);
    const staged = await store.metrics.rollups(range);
    expect(staged).toEqual([
      expect.objectContaining({ cpuPercent: 17.5, cpuPercentMax: 40, memLimitBytes: 100 }),
    ]);
    expect(await store.retention.packRawMetrics?.(2 * MINUTE + PACK_GRACE_MS, 1_000)).toBe(2);
    expect(count("metric_staging")).toBe(0);
    expect(await store.metrics.rollups(range)).toEqual(staged);
  });

  it("deletes a host's staged samples with the host", async () => {
    const now = Date.now();
    await write([metricSample(newContainerId(), now)], now);
    expect(count("metric_staging")).toBe(1);
    expect(await store.hosts.delete(hostId)).toBe(true);
    expect(count("metric_staging")).toBe(0);
  });
});
