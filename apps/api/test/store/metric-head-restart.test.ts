import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MetricSample } from "@crowsnest/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";
import { metricSample, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential } from "./backends.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-head-restart-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MINUTE = 60_000;

/**
 * A SQLite store reopened on its file (a server restart): its writer knows a series' head minute
 * from its rows, so that samples resent after a late one are found where they are stored, and the
 * minutes the head held are counted in their rollups once the series' next minute packs them.
 */
describe("SQLite metric head across a restart", () => {
  it("stores a resent sample once and counts the head's minutes once after the restart", async () => {
    const path = join(dir, "crowsnest.db");
    const open = () => openStore({ database: { backend: "sqlite", path } });
    const id = newContainerId();
    let store: Store = await open();
    const hostId = (await store.hosts.create("h", 0, anyCredential())).id;
    let seq = 0;
    const write = (samples: MetricSample[]) =>
      store.telemetry.write([
        { kind: "batch", hostId, at: 0, message: { type: "metrics", seq: ++seq, samples } },
      ]);
    // Minutes 0 to 5, two samples each: 0 to 4 packed, 5 in the head.
    await write(
      Array.from({ length: 12 }, (_, i) => metricSample(id, (i >> 1) * MINUTE + (i % 2) * 1_000, 10)),
    );
    await store.close();

    store = await open();
    try {
      const range = { hostId, containerId: id, from: 0, to: 10 * MINUTE };
      const before = await store.metrics.rollups(range);
      expect(before.map((p) => p.t)).toEqual([0, 1, 2, 3, 4, 5].map((m) => m * MINUTE));
      // First after the restart, a late sample of minute 1, then one of minute 3 resent.
      await write([metricSample(id, MINUTE + 2_000, 40), metricSample(id, 3 * MINUTE, 10)]);
      const raw = await store.metrics.raw(range);
      expect(raw.filter((p) => p.t === 3 * MINUTE)).toHaveLength(1);
      expect(raw).toHaveLength(13);
      // Minute 6 packs minute 5, which the head held across the restart.
      await write([metricSample(id, 6 * MINUTE, 10)]);
      const after = await store.metrics.rollups(range);
      expect(after.map((p) => [p.t, p.cpuPercent])).toEqual([
        [0, 10],
        [MINUTE, 20],
        [2 * MINUTE, 10],
        [3 * MINUTE, 10],
        [4 * MINUTE, 10],
        [5 * MINUTE, 10],
        [6 * MINUTE, 10],
      ]);
      expect(after[5]).toEqual(before[5]);
    } finally {
      await store.close();
    }
  });
});
