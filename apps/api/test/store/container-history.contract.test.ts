import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store, TelemetryWrite } from "../../src/store/store.ts";
import { containerInfo, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential, BACKENDS } from "./backends.ts";

/**
 * The container-history part of the Store contract (issue 24): a removed container stays as a
 * tombstone that `find` returns and the lists do not, its lifecycle events are kept with their exit
 * codes, and both age out through retention.
 */
describe.each(BACKENDS)("Store contract, container history ($name)", ({ open }) => {
  let store: Store;
  let hostId: string;
  beforeEach(async () => {
    store = await open();
    hostId = (await store.hosts.create("h", 1_000, anyCredential())).id;
  });
  afterEach(async () => {
    await store.close();
  });

  const events = (seq: number, list: unknown[]): TelemetryWrite =>
    ({ kind: "batch", hostId, at: seq, message: { type: "events", seq, events: list } }) as TelemetryWrite;

  it("keeps a destroyed container as a tombstone: found with removedAt, in no list, not `get`", async () => {
    const [a, b] = [newContainerId(), newContainerId()];
    await store.telemetry.write([
      {
        kind: "inventory",
        hostId,
        at: 5,
        snapshot: { type: "inventory", time: 5, containers: [containerInfo(a, "a"), containerInfo(b, "b")] },
      },
    ]);
    await store.telemetry.write([
      events(1, [{ containerId: a, action: "destroy", time: 7_000, exitCode: null, container: null }]),
    ]);
    expect((await store.containers.list(hostId)).map((s) => s.info.id)).toEqual([b]);
    expect(await store.containers.get(hostId, a)).toBeNull();
    const tomb = await store.containers.find(hostId, a);
    expect(tomb).toMatchObject({ removedAt: 7_000, info: { id: a, names: ["/a"] } });
    expect((await store.containers.find(hostId, b))?.removedAt).toBeNull();
    expect(await store.containers.find(hostId, newContainerId())).toBeNull();

    // A container missing from a new snapshot is removed at the snapshot's time; one back in it revives.
    await store.telemetry.write([
      {
        kind: "inventory",
        hostId,
        at: 9,
        snapshot: { type: "inventory", time: 9_000, containers: [containerInfo(a, "a")] },
      },
    ]);
    expect((await store.containers.find(hostId, b))?.removedAt).toBe(9_000);
    expect((await store.containers.find(hostId, a))?.removedAt).toBeNull();
    expect((await store.containers.list()).map((s) => s.info.id)).toEqual([a]);
  });

  it("keeps lifecycle events with exit codes and the OOM flag, newest `limit` oldest first", async () => {
    const id = newContainerId();
    const died = (oom: boolean) => ({
      ...containerInfo(id, "crasher"),
      state: "restarting" as const,
      exitCode: 137,
      restartCount: 1,
      oomKilled: oom,
    });
    await store.telemetry.write([
      events(1, [
        {
          containerId: id,
          action: "start",
          time: 1_000,
          exitCode: null,
          container: containerInfo(id, "crasher"),
        },
        { containerId: id, action: "die", time: 2_000, exitCode: 1, container: died(false) },
        { containerId: id, action: "health_status", time: 2_500, exitCode: null, container: died(false) },
        { containerId: id, action: "oom", time: 2_900, exitCode: null, container: died(true) },
        { containerId: id, action: "die", time: 3_000, exitCode: 137, container: died(true) },
      ]),
    ]);
    const all = await store.containers.events({ hostId, containerId: id, from: 0, to: 10_000, limit: 100 });
    expect(all).toEqual([
      { time: 1_000, action: "start", exitCode: null, oomKilled: false },
      { time: 2_000, action: "die", exitCode: 1, oomKilled: false },
      { time: 2_900, action: "oom", exitCode: null, oomKilled: false },
      { time: 3_000, action: "die", exitCode: 137, oomKilled: true },
    ]);
    expect(await store.containers.events({ hostId, containerId: id, from: 0, to: 10_000, limit: 2 })).toEqual(
      all.slice(2),
    );
    expect(
      (await store.containers.events({ hostId, containerId: id, from: 1_500, to: 2_000, limit: 10 })).map(
        (e) => e.time,
      ),
    ).toEqual([2_000]);
    expect((await store.containers.find(hostId, id))?.info).toMatchObject({ exitCode: 137, oomKilled: true });
  });

  it("drops events and tombstones older than the retention point, in batches", async () => {
    const [gone, kept] = [newContainerId(), newContainerId()];
    await store.telemetry.write([
      events(1, [
        {
          containerId: gone,
          action: "start",
          time: 1_000,
          exitCode: null,
          container: containerInfo(gone, "g"),
        },
        { containerId: gone, action: "die", time: 2_000, exitCode: 0, container: containerInfo(gone, "g") },
        { containerId: gone, action: "destroy", time: 3_000, exitCode: null, container: null },
        {
          containerId: kept,
          action: "start",
          time: 50_000,
          exitCode: null,
          container: containerInfo(kept, "k"),
        },
      ]),
    ]);
    expect(await store.retention.deleteContainerHistoryBefore(10_000, 2)).toBe(2);
    expect(await store.retention.deleteContainerHistoryBefore(10_000, 10)).toBe(2);
    expect(await store.retention.deleteContainerHistoryBefore(10_000, 10)).toBe(0);
    expect(await store.containers.find(hostId, gone)).toBeNull();
    expect(await store.containers.find(hostId, kept)).not.toBeNull();
    expect(
      await store.containers.events({ hostId, containerId: kept, from: 0, to: 99_999, limit: 9 }),
    ).toHaveLength(1);
  });
});
