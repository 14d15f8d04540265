import type { MetricPoint, MetricSample } from "@crowsnest/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.ts";
import { metricSample, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential, BACKENDS, packAll } from "./backends.ts";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * One-minute rollups on every backend, wherever a minute's samples are kept: the rollups a chart of
 * a long range reads (tier "1m") count the minute still being written and a late sample of a minute
 * long past, and outlive the raw samples they were counted from.
 */
describe.each(BACKENDS)("Store contract, metric rollups ($name)", ({ open }) => {
  let store: Store;
  let hostId: string;
  let seq = 0;
  beforeEach(async () => {
    store = await open();
    hostId = (await store.hosts.create("h", 0, anyCredential())).id;
    seq = 0;
  });
  afterEach(async () => {
    await store.close();
  });

  async function write(samples: MetricSample[]): Promise<void> {
    seq += 1;
    await store.telemetry.write([
      { kind: "batch", hostId, at: 0, message: { type: "metrics", seq, samples } },
    ]);
  }

  /** The point of `minute` (ms) among `points`. */
  function at(points: MetricPoint[], minute: number): MetricPoint | undefined {
    return points.find((p) => p.t === minute);
  }

  it("a long range's rollups count the current minute and late samples of past minutes and hours", async () => {
    const id = newContainerId();
    // Two hours and three minutes at one sample every 10 s, CPU 10 %, 1,000 bytes.
    const end = 2 * HOUR + 3 * MINUTE;
    const samples = Array.from({ length: end / (10 * SECOND) }, (_, i) =>
      metricSample(id, i * 10 * SECOND, 10, 1_000),
    );
    for (let i = 0; i < samples.length; i += 100) await write(samples.slice(i, i + 100));
    // Late samples: one of minute 5 (its hour over), one of minute 121 (the current hour).
    await write([
      metricSample(id, 5 * MINUTE + 5 * SECOND, 80, 8_000),
      metricSample(id, 2 * HOUR + MINUTE + 5 * SECOND, 80, 8_000),
    ]);
    // And once more: a resent sample is not counted twice.
    await write([metricSample(id, 5 * MINUTE + 5 * SECOND, 80, 8_000)]);

    const range = { hostId, containerId: id, from: 0, to: 30 * DAY };
    const { points, bucketMs } = await store.metrics.history({ ...range, tier: "1m", maxPoints: 2_000 });
    expect(bucketMs).toBeNull();
    expect(points).toHaveLength(end / MINUTE);
    expect(points).toEqual(await store.metrics.rollups(range));
    // An ordinary minute: six samples.
    expect(at(points, 30 * MINUTE)).toMatchObject({ cpuPercent: 10, cpuPercentMax: 10, memUsedBytes: 1_000 });
    // The late samples' minutes: seven samples each, the late one the maximum.
    for (const minute of [5 * MINUTE, 2 * HOUR + MINUTE]) {
      const point = at(points, minute);
      expect(point?.cpuPercent).toBeCloseTo((6 * 10 + 80) / 7, 9);
      expect(point).toMatchObject({ cpuPercentMin: 10, cpuPercentMax: 80, memUsedBytesMax: 8_000 });
    }
    // The minute still being written (its samples the newest): six samples.
    expect(points.at(-1)).toMatchObject({ t: end - MINUTE, cpuPercent: 10, pids: 1 });

    // A chart of fewer points than minutes: the current minute is in the last bucket.
    const few = await store.metrics.history({ ...range, to: end - 1, tier: "1m", maxPoints: 41 });
    expect(few.bucketMs).toBe(3 * MINUTE);
    expect(few.points.at(-1)).toMatchObject({ t: end - 3 * MINUTE, cpuPercent: (10 + 140 / 7 + 10) / 3 });
  });

  it("keeps the rollup of a series' last minute when retention deletes its raw samples", async () => {
    const id = newContainerId();
    // A container that sent one minute and stopped: its samples are the newest it has.
    await write(
      [10, 20, 60].map((cpu, i) => metricSample(id, MINUTE + i * 10 * SECOND, cpu, 1_000 * (i + 1))),
    );
    const range = { hostId, containerId: id, from: 0, to: DAY };
    const before = await store.metrics.rollups(range);
    expect(before).toEqual([
      expect.objectContaining({
        t: MINUTE,
        cpuPercent: 30,
        cpuPercentMin: 10,
        cpuPercentMax: 60,
        memUsedBytes: 2_000,
      }),
    ]);

    await packAll(store);
    expect(await store.retention.deleteRawMetricsBefore(DAY, 100)).toBe(3);
    expect(await store.metrics.raw(range)).toEqual([]);
    expect(await store.metrics.rollups(range)).toEqual(before);
  });

  it("gives a minute the memory limit of its latest sample, whatever order the samples came in", async () => {
    const id = newContainerId();
    const limited = (t: number, memLimitBytes: number) => ({ ...metricSample(id, t), memLimitBytes });
    const limitAt = async (minute: number) =>
      at(await store.metrics.rollups({ hostId, containerId: id, from: 0, to: DAY }), minute)?.memLimitBytes;
    // Minute 0 while it is the newest: the 50 s sample is its latest, though the 20 s one came after it.
    await write([limited(10 * SECOND, 1_000), limited(50 * SECOND, 2_000)]);
    await write([limited(20 * SECOND, 3_000)]);
    expect(await limitAt(0)).toBe(2_000);
    // Minute 0 once the next minute's samples have come: a late sample older than its latest.
    await write([limited(MINUTE + 10 * SECOND, 4_000)]);
    await write([limited(30 * SECOND, 5_000)]);
    expect(await limitAt(0)).toBe(2_000);
    // A late sample newer than every other of its minute sets the limit.
    await write([limited(55 * SECOND, 6_000)]);
    expect(await limitAt(0)).toBe(6_000);
    expect(await limitAt(MINUTE)).toBe(4_000);
  });
});
