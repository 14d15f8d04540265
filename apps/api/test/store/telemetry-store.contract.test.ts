import { metricsColumnsBatchOf } from "@crowsnest/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import type { Store, TelemetryWrite } from "../../src/store/store.ts";
import { containerInfo, logLine, metricSample, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential, BACKENDS } from "./backends.ts";

/** The telemetry part of the Store contract; every backend runs these same cases. */
describe.each(BACKENDS)("Store contract, telemetry ($name)", ({ open }) => {
  let store: Store;
  let hostId: string;
  beforeEach(async () => {
    store = await open();
    hostId = (await store.hosts.create("h", 1_000, anyCredential())).id;
  });
  afterEach(async () => {
    await store.close();
  });

  it("stores a (host, seq) once; the same seq of another host is its own batch", async () => {
    const id = newContainerId();
    const other = (await store.hosts.create("other", 1_000, anyCredential())).id;
    const message = { type: "metrics" as const, seq: 7, samples: [metricSample(id, 60_000)] };
    expect(
      await store.telemetry.write([
        { kind: "batch", hostId, at: 2_000, message },
        { kind: "batch", hostId, at: 2_000, message },
        { kind: "batch", hostId: other, at: 2_000, message },
      ]),
    ).toEqual(["stored", "duplicate", "stored"]);
    const range = { hostId, containerId: id, from: 0, to: 120_000 };
    expect(await store.metrics.raw(range)).toHaveLength(1);
    expect(await store.metrics.rollups(range)).toEqual([
      expect.objectContaining({ t: 60_000, cpuPercent: 12.5 }),
    ]);
    expect((await store.hosts.get(hostId))?.lastSeen).toBe(2_000);
  });

  it("stores a batch given as its frame's JSON (batch-json) as its message: a resend of either is a duplicate", async () => {
    const id = newContainerId();
    const message = { type: "metrics" as const, seq: 3, samples: [metricSample(id, 60_000, 40)] };
    // As an agent may send it: keys in another order, one the schema does not name (decode drops it).
    const json = Buffer.from(
      JSON.stringify({ samples: [{ debug: 1, ...message.samples[0] }], seq: 3, type: "metrics" }),
    );
    expect(await store.telemetry.write([{ kind: "batch-json", hostId, at: 2_000, json }])).toEqual([
      "stored",
    ]);
    expect(
      await store.telemetry.write([
        { kind: "batch", hostId, at: 2_000, message },
        { kind: "batch-json", hostId, at: 2_000, json },
      ]),
    ).toEqual(["duplicate", "duplicate"]);
    const raw = await store.metrics.raw({ hostId, containerId: id, from: 0, to: 120_000 });
    expect(raw.map((p) => [p.t, p.cpuPercent])).toEqual([[60_000, 40]]);
    expect((await store.hosts.get(hostId))?.lastSeen).toBe(2_000);
  });

  it("stores a metrics batch whose JSON is columns (metrics_columns) as its samples: the same batch as rows is a duplicate", async () => {
    const [a, b] = [newContainerId(), newContainerId()];
    const message = {
      type: "metrics" as const,
      seq: 4,
      samples: [
        metricSample(a, 60_000, 10),
        { ...metricSample(b, 60_000, 20), netRxBytes: null, netTxBytes: null },
        metricSample(a, 61_000, 30),
      ],
    };
    const json = Buffer.from(JSON.stringify(metricsColumnsBatchOf(message)));
    expect(await store.telemetry.write([{ kind: "batch-json", hostId, at: 2_000, json }])).toEqual([
      "stored",
    ]);
    expect(await store.telemetry.write([{ kind: "batch", hostId, at: 2_000, message }])).toEqual([
      "duplicate",
    ]);
    const raw = (containerId: string) => store.metrics.raw({ hostId, containerId, from: 0, to: 120_000 });
    expect((await raw(a)).map((p) => [p.t, p.cpuPercent])).toEqual([
      [60_000, 10],
      [61_000, 30],
    ]);
    expect((await raw(b)).map((p) => [p.t, p.cpuPercent, p.netRxBytes])).toEqual([[60_000, 20, null]]);
  });

  it("rolls samples up per minute with averages and maxima", async () => {
    const id = newContainerId();
    const samples = [10, 30, 20].map((cpu, i) => metricSample(id, 120_000 + i * 1_000, cpu, cpu * 100));
    await store.telemetry.write([
      { kind: "batch", hostId, at: 1, message: { type: "metrics", seq: 1, samples } },
    ]);
    const [point] = await store.metrics.rollups({ hostId, containerId: id, from: 0, to: 200_000 });
    expect(point).toMatchObject({
      t: 120_000,
      cpuPercent: 20,
      cpuPercentMax: 30,
      memUsedBytes: 2_000,
      memUsedBytesMax: 3_000,
    });
  });

  it("keeps samples of past minutes once, resent or late, and null network counters as null", async () => {
    const id = newContainerId();
    const hostNet = { ...metricSample(id, 61_000), netRxBytes: null, netTxBytes: null };
    const batch = (seq: number, samples: ReturnType<typeof metricSample>[]) =>
      ({ kind: "batch", hostId, at: 1, message: { type: "metrics", seq, samples } }) as const;
    await store.telemetry.write([
      batch(1, [hostNet, metricSample(id, 62_000)]),
      batch(2, [metricSample(id, 185_000)]),
    ]);
    // Minute 1 is past now: a late sample joins it, a resent one (another seq) is not counted twice.
    await store.telemetry.write([batch(3, [metricSample(id, 63_000, 50), metricSample(id, 62_000, 99)])]);
    const range = { hostId, containerId: id, from: 0, to: 300_000 };
    const raw = await store.metrics.raw(range);
    expect(raw.map((p) => [p.t, p.cpuPercent, p.netRxBytes])).toEqual([
      [61_000, 12.5, null],
      [62_000, 12.5, 0],
      [63_000, 50, 0],
      [185_000, 12.5, 0],
    ]);
    const rollups = await store.metrics.rollups(range);
    expect(rollups.map((p) => [p.t, p.cpuPercent, p.cpuPercentMin, p.cpuPercentMax])).toEqual([
      [60_000, 25, 12.5, 50],
      [180_000, 12.5, 12.5, 12.5],
    ]);
  });

  it("answers a long range in min/max buckets, so that a one-sample spike and dip survive", async () => {
    const id = newContainerId();
    const samples = Array.from({ length: 3_600 }, (_, i) =>
      metricSample(id, i * 1_000, i === 1_234 ? 95 : 10, i === 2_345 ? 1 : 1_000_000),
    );
    for (let i = 0; i < samples.length; i += 500) {
      await store.telemetry.write([
        {
          kind: "batch",
          hostId,
          at: 1,
          message: { type: "metrics", seq: 1 + i, samples: samples.slice(i, i + 500) },
        },
      ]);
    }
    const range = { hostId, containerId: id, from: 0, to: 3_599_999 };
    const few = await store.metrics.history({ ...range, tier: "raw", maxPoints: 100 });
    expect(few.bucketMs).toBe(36_000);
    expect(few.points).toHaveLength(100);
    expect(Math.max(...few.points.map((p) => p.cpuPercentMax))).toBe(95);
    expect(Math.min(...few.points.map((p) => p.memUsedBytesMin))).toBe(1);
    const spike = few.points.find((p) => p.cpuPercentMax === 95);
    expect(spike?.t).toBe(1_224_000);
    expect(spike?.cpuPercent).toBeCloseTo(10 + 85 / 36, 9);
    const all = await store.metrics.history({ ...range, tier: "raw", maxPoints: 5_000 });
    expect(all.bucketMs).toBeNull();
    expect(all.points).toHaveLength(3_600);
  });

  it("replaces the inventory with a snapshot and follows events, removing destroyed containers", async () => {
    const [a, b, c] = [newContainerId(), newContainerId(), newContainerId()];
    const snapshot = (ids: string[]) => ({
      type: "inventory" as const,
      time: 5,
      containers: ids.map((id) => containerInfo(id, id.slice(0, 6))),
    });
    await store.telemetry.write([{ kind: "inventory", hostId, at: 5, snapshot: snapshot([a, b]) }]);
    await store.telemetry.write([{ kind: "inventory", hostId, at: 6, snapshot: snapshot([b, c]) }]);
    expect((await store.containers.list(hostId)).map((s) => s.info.id).sort()).toEqual([b, c].sort());
    const stopped = { ...containerInfo(b, "b"), state: "exited" as const, exitCode: 137 };
    await store.telemetry.write([
      {
        kind: "batch",
        hostId,
        at: 7,
        message: {
          type: "events",
          seq: 1,
          events: [
            { containerId: b, action: "die", time: 7, exitCode: 137, container: stopped },
            { containerId: c, action: "destroy", time: 7, exitCode: null, container: null },
          ],
        },
      },
    ]);
    expect((await store.containers.list()).map((s) => [s.info.id, s.info.state, s.info.exitCode])).toEqual([
      [b, "exited", 137],
    ]);
    expect(await store.containers.get(hostId, c)).toBeNull();
  });

  it("keeps nanosecond log timestamps in order and pages with a position", async () => {
    const id = newContainerId();
    const lines = [
      "2026-01-01T00:00:00.000000002Z",
      "2026-01-01T00:00:00.00000001Z",
      "2026-01-01T00:00:00Z",
    ].map((ts, i) => ({ ...logLine(id, 0, `line ${i}`), ts }));
    const at = Date.parse("2026-01-01");
    await store.telemetry.write([
      { kind: "batch", hostId, at, message: { type: "logs", seq: 1, lines, drops: [] } },
    ]);
    const query = {
      hostId,
      containerId: id,
      from: msToTs(0),
      to: msToTsEnd(Date.parse("2027-01-01")),
      words: null,
      stream: null,
      limit: 2,
      before: null,
    };
    const first = await store.logs.query(query);
    expect(first.lines.map((l) => l.text)).toEqual(["line 0", "line 1"]);
    const rest = await store.logs.query({ ...query, before: first.next });
    expect(rest.lines.map((l) => [l.text, l.ts])).toEqual([["line 2", "2026-01-01T00:00:00.000000000Z"]]);
    expect(rest.next).toBeNull();
  });

  it("places a batch on the server's time line: samples at t − offset, lines keep Docker's ts beside serverTs", async () => {
    const id = newContainerId();
    const hour = 3_600_000;
    const line = { ...logLine(id, 0, "late"), ts: "2026-01-01T01:00:00.123456789Z" };
    await store.telemetry.write([
      {
        kind: "batch",
        hostId,
        at: 1,
        message: { type: "metrics", seq: 1, samples: [metricSample(id, hour + 60_000)] },
        clockOffsetMs: hour,
      },
      {
        kind: "batch",
        hostId,
        at: Date.parse("2026-01-01"),
        message: { type: "logs", seq: 2, lines: [line], drops: [] },
        clockOffsetMs: hour,
      },
    ]);
    const points = await store.metrics.raw({ hostId, containerId: id, from: 0, to: 10 * hour });
    expect(points.map((p) => p.t)).toEqual([60_000]);
    const { lines } = await store.logs.query({
      hostId,
      containerId: id,
      from: msToTs(0),
      to: msToTsEnd(Date.parse("2027-01-01")),
      words: null,
      stream: null,
      limit: 10,
      before: null,
    });
    expect(lines.map((l) => [l.ts, l.serverTs])).toEqual([
      ["2026-01-01T01:00:00.123456789Z", "2026-01-01T00:00:00.123456789Z"],
    ]);
  });

  it("stores a batch whose lines carry times Docker never writes, without failing it or those lines", async () => {
    const id = newContainerId();
    const odd = ["9999-12-31T23:59:59.999999999Z", "0001-01-01T00:00:00Z", "2026-13-45T00:00:00Z"];
    const lines = [...odd, "2026-01-01T00:00:00Z"].map((ts, i) => ({ ...logLine(id, 0, `line ${i}`), ts }));
    const at = Date.parse("2026-01-01T00:00:01Z");
    expect(
      await store.telemetry.write([
        { kind: "batch", hostId, at, message: { type: "logs", seq: 1, lines, drops: [] } },
      ]),
    ).toEqual(["stored"]);
    // Far outside the time window of the batch's arrival.
    expect(store.telemetry.outsideWindow()).toEqual({ [hostId]: { samples: 0, lines: 3 } });
    const { lines: found } = await store.logs.query({
      hostId,
      containerId: id,
      from: msToTs(Date.parse("2026-01-01")),
      to: msToTsEnd(Date.parse("2026-01-02")),
      words: null,
      stream: null,
      limit: 10,
      before: null,
    });
    expect(found.map((l) => l.text)).toEqual(["line 3"]);
  });

  it("stores only the samples and lines in the time window of a batch's arrival and counts the rest", async () => {
    const id = newContainerId();
    const hour = 3_600_000;
    const day = 24 * hour;
    const at = Date.now();
    // The window of the default retention (the longest, 1-minute rollups: 30 days) and a day ahead.
    const inside = [at - 29 * day, at - hour, at, at + 23 * hour];
    const outside = [1_000, at - 31 * day, at + 25 * hour];
    const samples = [...outside, ...inside, 8.64e15].map((t) => metricSample(id, t));
    const lines = [
      ...[...outside, ...inside].map((t) => logLine(id, t, `at ${t}`)),
      { ...logLine(id, 0, "year 9999"), ts: "9999-12-31T23:59:59.999999999Z" },
    ];
    const writes: TelemetryWrite[] = [
      { kind: "batch", hostId, at, message: { type: "metrics", seq: 1, samples } },
      { kind: "batch", hostId, at, message: { type: "logs", seq: 2, lines, drops: [] } },
      // Two days ahead: its sample is placed inside the window, but its line's own time (Docker's,
      // which is stored and expired by) is not.
      {
        kind: "batch",
        hostId,
        at,
        clockOffsetMs: 2 * day,
        message: { type: "metrics", seq: 3, samples: [metricSample(id, at + 2 * day + hour)] },
      },
      {
        kind: "batch",
        hostId,
        at,
        clockOffsetMs: 2 * day,
        message: { type: "logs", seq: 4, lines: [logLine(id, at + 2 * day + hour, "ahead")], drops: [] },
      },
    ];
    expect(await store.telemetry.write(writes)).toEqual(["stored", "stored", "stored", "stored"]);
    const counted = { [hostId]: { samples: 4, lines: 5 } };
    expect(store.telemetry.outsideWindow()).toEqual(counted);

    const range = { hostId, containerId: id, from: at - 40 * day, to: at + 40 * day };
    expect((await store.metrics.raw(range)).map((p) => p.t)).toEqual(
      [...inside, at + hour].sort((a, b) => a - b),
    );
    const { lines: stored } = await store.logs.query({
      hostId,
      containerId: id,
      from: msToTs(0),
      to: "9999-12-31T23:59:59.999999999Z",
      words: null,
      stream: null,
      limit: 20,
      before: null,
    });
    expect(stored.map((l) => l.text)).toEqual(inside.map((t) => `at ${t}`));

    // The whole message is the batch's identity: a resend is a duplicate, and nothing is counted again.
    expect(await store.telemetry.write(writes)).toEqual(["duplicate", "duplicate", "duplicate", "duplicate"]);
    expect(store.telemetry.outsideWindow()).toEqual(counted);
  });

  it("searches log words as they read on screen, colour codes aside", async () => {
    const id = newContainerId();
    const lines = ["\x1b[32mINFO\x1b[0m ready", "plain INFO line", "\x1b[31mERROR\x1b[0m failed"].map(
      (text) => logLine(id, 0, text),
    );
    await store.telemetry.write([
      { kind: "batch", hostId, at: 1, message: { type: "logs", seq: 1, lines, drops: [] } },
    ]);
    const search = (words: string[]) =>
      store.logs.query({
        hostId,
        containerId: id,
        from: msToTs(0),
        to: msToTsEnd(Date.parse("2100-01-01")),
        words,
        stream: null,
        limit: 10,
        before: null,
      });
    expect((await search(["info"])).lines.map((l) => l.text)).toEqual([lines[0]?.text, lines[1]?.text]);
    expect((await search(["error", "failed"])).lines).toHaveLength(1);
    expect((await search(["32minfo"])).lines).toHaveLength(0);
  });
});
