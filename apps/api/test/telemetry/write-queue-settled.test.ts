import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StorageHealth } from "../../src/ingest/storage-health.ts";
import { WriteQueue } from "../../src/ingest/write-queue.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";
import { anyCredential } from "../store/backends.ts";
import { controlStore } from "../support/control-store.ts";
import { containerId, metricSample } from "../support/samples.ts";

/**
 * What a read waits for before it looks a container up again (findRelayed) or a live subscription
 * is answered: the writes queued for its host, not every other host's backlog.
 */
describe("the write queue's settled, per host", () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "crowsnest-settled-"));
    store = await openStore({ database: { backend: "sqlite", path: join(dir, "crowsnest.db") } });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("resolves at once for a host with nothing queued, and for a busy host once its writes are stored", async () => {
    const now = Date.now();
    const [busy, idle] = await Promise.all(
      ["busy", "idle"].map((name) => store.hosts.create(name, now, anyCredential())),
    );
    if (busy === undefined || idle === undefined) throw new Error("hosts not made");
    const queue = new WriteQueue(store.telemetry, new StorageHealth());
    const held = controlStore({ store });
    held.hold();
    const id = containerId();
    const stored = queue.enqueue({
      kind: "batch",
      hostId: busy.id,
      at: now,
      message: { type: "metrics", seq: 1, samples: [metricSample(id, now)] },
    });
    const done = { busy: false, fleet: false };
    const busySettled = queue.settled(busy.id).then(() => {
      done.busy = true;
    });
    const fleetSettled = queue.settled(null).then(() => {
      done.fleet = true;
    });

    await queue.settled(idle.id);
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toEqual({ busy: false, fleet: false });

    held.release();
    await Promise.all([busySettled, fleetSettled]);
    expect(await stored).toBe("stored");
    const raw = await store.metrics.raw({ hostId: busy.id, containerId: id, from: now - 1, to: now + 1 });
    expect(raw).toHaveLength(1);
    // Nothing queued any more: no host waits.
    await Promise.all([queue.settled(busy.id), queue.settled(idle.id), queue.settled(null)]);
  });

  it("leaves nothing attached to a stalled write once a wait gives up: each is collected, and the write still settles the rest", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const now = Date.now();
    const host = await store.hosts.create("stalled", now, anyCredential());
    const queue = new WriteQueue(store.telemetry, new StorageHealth());
    const held = controlStore({ store });
    held.hold();
    const stored = queue.enqueue({
      kind: "batch",
      hostId: host.id,
      at: now,
      message: { type: "metrics", seq: 1, samples: [metricSample(containerId(), now)] },
    });
    const gaveUp = await giveUp(queue, host.id, 100);
    const kept = queue.settled(host.id, new AbortController().signal);
    let keptDone = false;
    void kept.then(() => {
      keptDone = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
    // Attached to the stalled write (as Promise.race did), each would be kept until it settled.
    expect(gaveUp.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(keptDone).toBe(false);
    // A signal aborted already answers at once; the fleet's wait with one waits for the write too.
    await queue.settled(host.id, AbortSignal.abort());
    let fleetDone = false;
    const fleet = queue.settled(null, new AbortController().signal).then(() => {
      fleetDone = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(fleetDone).toBe(false);
    held.release();
    await Promise.all([kept, fleet]);
    expect(await stored).toBe("stored");
  });
});

/**
 * Waits that give up, as reads of a host whose disk is full do after RELAYED_WAIT_MS; in a function
 * of their own, whose frame is gone once it returns (a suspended one may still hold the last).
 */
async function giveUp(queue: WriteQueue, hostId: string, count: number): Promise<WeakRef<Promise<void>>[]> {
  const refs: WeakRef<Promise<void>>[] = [];
  for (let i = 0; i < count; i++) {
    const controller = new AbortController();
    const wait = queue.settled(hostId, controller.signal);
    controller.abort();
    await wait;
    refs.push(new WeakRef(wait));
  }
  return refs;
}
