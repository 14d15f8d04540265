import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostNameTakenError } from "../../src/store/host-name-taken.ts";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import type { NewHostAccess, Store, TelemetryWrite } from "../../src/store/store.ts";
import {
  containerInfo,
  HOST_INFO,
  logLine,
  metricSample,
  containerId as newContainerId,
} from "../support/samples.ts";
import { anyCredential, BACKENDS } from "./backends.ts";

/** What `stored` finds of a deleted host. */
const NOTHING_STORED = { containers: 0, raw: 0, rollups: 0, logs: 0, lastSeq: null };

const token = (tokenHash: string, expiresAt = 1_000_000): Extract<NewHostAccess, { kind: "enrolment" }> => ({
  kind: "enrolment",
  tokenHash,
  expiresAt,
  createdBy: null,
});

/**
 * A host's lifecycle on every backend: names unique regardless of case among hosts not deleted,
 * revocation marked on the host, a token re-issued only before the agent connected (or after a
 * revocation), and deletion that keeps the data readable or removes everything stored for the host.
 */
describe.each(BACKENDS)("Store contract, host lifecycle ($name)", ({ open }) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  /** A host with an inventory, metrics (raw and rolled up), logs and a stored batch. */
  async function hostWithData(name: string): Promise<{ hostId: string; containerId: string }> {
    const hostId = (await store.hosts.create(name, 0, anyCredential())).id;
    const containerId = newContainerId();
    const snapshot = { type: "inventory" as const, time: 5, containers: [containerInfo(containerId, "web")] };
    await store.telemetry.write([
      { kind: "hello", hostId, at: 10, agentVersion: "1", info: HOST_INFO },
      { kind: "inventory", hostId, at: 10, snapshot },
      {
        kind: "batch",
        hostId,
        at: 70_000,
        message: { type: "metrics", seq: 1, samples: [metricSample(containerId, 60_000)] },
      },
      {
        kind: "batch",
        hostId,
        at: 70_000,
        message: {
          type: "logs",
          seq: 2,
          lines: [logLine(containerId, 60_000, "upstream timeout")],
          drops: [],
        },
      },
    ]);
    return { hostId, containerId };
  }

  async function stored(hostId: string, containerId: string) {
    const range = { hostId, containerId, from: 0, to: 120_000 };
    const logs = await store.logs.query({
      hostId,
      containerId,
      from: msToTs(0),
      to: msToTsEnd(120_000),
      words: null,
      stream: null,
      limit: 10,
      before: null,
    });
    return {
      containers: (await store.containers.list(hostId)).length,
      raw: (await store.metrics.raw(range)).length,
      rollups: (await store.metrics.rollups(range)).length,
      logs: logs.lines.length,
      lastSeq: await store.hosts.lastStoredSeq(hostId),
    };
  }

  it("refuses a second host with the same name in any case, and frees a deleted host's name", async () => {
    const first = await store.hosts.create("Edge-01", 0, anyCredential());
    await expect(store.hosts.create("edge-01", 1, anyCredential())).rejects.toBeInstanceOf(
      HostNameTakenError,
    );
    await expect(store.hosts.create("EDGE-01", 1, token("t1"))).rejects.toBeInstanceOf(HostNameTakenError);
    // Nothing written by the refusals: the token redeems nothing.
    expect(await store.enrolmentTokens.redeem("t1", "c1", 2)).toBeNull();
    expect((await store.hosts.list()).map((h) => h.name)).toEqual(["Edge-01"]);

    expect(await store.hosts.archive(first.id, 5)).toBe(true);
    const second = await store.hosts.create("edge-01", 6, anyCredential());
    expect(second.id).not.toBe(first.id);
    expect((await store.hosts.get(first.id))?.deletedAt).toBe(5);
  });

  it("marks a revoked host, and re-issues a token only before its agent connected or after a revocation", async () => {
    const waiting = (await store.hosts.create("waiting", 0, token("old-token"))).id;
    expect(await store.hosts.reissue(waiting, token("new-token"), 10)).toBe(true);
    expect(await store.enrolmentTokens.redeem("old-token", "c0", 11)).toBeNull();
    expect(await store.enrolmentTokens.redeem("new-token", "c1", 11)).toBe(waiting);

    // Its agent connects (hello): from then on the credential is rotated, never replaced by a token.
    await store.telemetry.write([{ kind: "seen", hostId: waiting, at: 12 }]);
    expect((await store.hosts.get(waiting))?.lastSeen).toBe(12);
    expect(await store.hosts.reissue(waiting, token("refused-token"), 13)).toBe(false);
    expect(await store.enrolmentTokens.redeem("refused-token", "c2", 14)).toBeNull();
    expect(await store.hostCredentials.findHost("c1")).toBe(waiting);

    expect(await store.hosts.revoke(waiting, 20)).toBe(1);
    expect((await store.hosts.get(waiting))?.revokedAt).toBe(20);
    expect(await store.hosts.reissue(waiting, token("after-revoke"), 21)).toBe(true);
    expect((await store.hosts.get(waiting))?.revokedAt).toBeNull();
    expect(await store.enrolmentTokens.redeem("after-revoke", "c3", 22)).toBe(waiting);

    expect(await store.hosts.reissue("no-such-host", token("x"), 30)).toBe(false);
  });

  it("archives a host: its ways in close, its data stays readable, and it cannot be re-issued", async () => {
    const { hostId, containerId } = await hostWithData("kept");
    const credentialHost = (await store.hosts.create("pending", 0, token("pending-token"))).id;
    expect(await store.hosts.archive(credentialHost, 100)).toBe(true);
    expect(await store.enrolmentTokens.redeem("pending-token", "c", 101)).toBeNull();
    expect(await store.hosts.reissue(credentialHost, token("again"), 102)).toBe(false);

    expect(await store.hosts.archive(hostId, 100)).toBe(true);
    expect(await store.hosts.archive(hostId, 101)).toBe(false);
    expect(await stored(hostId, containerId)).toEqual({
      containers: 1,
      raw: 1,
      rollups: 1,
      logs: 1,
      lastSeq: 2,
    });
    expect((await store.hosts.list()).map((h) => [h.name, h.deletedAt])).toEqual([
      ["kept", 100],
      ["pending", 100],
    ]);
  });

  it("deletes a host with everything stored for it, another host's data untouched", async () => {
    const gone = await hostWithData("gone");
    const other = await hostWithData("other");
    expect(await store.hosts.delete(gone.hostId)).toBe(true);
    expect(await store.hosts.get(gone.hostId)).toBeNull();
    expect(await stored(gone.hostId, gone.containerId)).toEqual(NOTHING_STORED);
    expect(await stored(other.hostId, other.containerId)).toEqual({
      containers: 1,
      raw: 1,
      rollups: 1,
      logs: 1,
      lastSeq: 2,
    });
    expect(await store.hosts.delete(gone.hostId)).toBe(false);

    // An archived host is deleted the same way; its name was free already.
    expect(await store.hosts.archive(other.hostId, 5)).toBe(true);
    expect(await store.hosts.delete(other.hostId)).toBe(true);
    expect(await store.hosts.list()).toEqual([]);
  });

  it("stores nothing for a host deleted while its writes were queued, not even in a new host's series", async () => {
    const gone = await hostWithData("gone");
    // Readers and the writer have now looked up the gone host's series.
    expect((await stored(gone.hostId, gone.containerId)).raw).toBe(1);
    expect(await store.hosts.delete(gone.hostId)).toBe(true);
    // SQLite gives a new row the deleted series' id again.
    const other = await hostWithData("other");
    const late = (seq: number, at: number): TelemetryWrite => ({
      kind: "batch",
      hostId: gone.hostId,
      at,
      message: { type: "metrics", seq, samples: [metricSample(gone.containerId, 61_000)] },
    });
    const snapshot = {
      type: "inventory" as const,
      time: 70_001,
      containers: [containerInfo(gone.containerId, "web")],
    };
    const results = await store.telemetry.write([
      late(3, 70_001),
      {
        kind: "batch",
        hostId: gone.hostId,
        at: 70_001,
        message: { type: "logs", seq: 4, lines: [logLine(gone.containerId, 61_000, "late")], drops: [] },
      },
      { kind: "inventory", hostId: gone.hostId, at: 70_001, snapshot },
      { kind: "hello", hostId: gone.hostId, at: 70_001, agentVersion: "1", info: HOST_INFO },
      { kind: "seen", hostId: gone.hostId, at: 70_001 },
      {
        kind: "batch",
        hostId: other.hostId,
        at: 70_001,
        message: { type: "metrics", seq: 3, samples: [metricSample(other.containerId, 62_000)] },
      },
    ]);
    expect(results).toEqual([
      "unknown-host",
      "unknown-host",
      "unknown-host",
      "unknown-host",
      "unknown-host",
      "stored",
    ]);
    expect(await stored(other.hostId, other.containerId)).toEqual({
      containers: 1,
      raw: 2,
      rollups: 1,
      logs: 1,
      lastSeq: 3,
    });
    expect(await stored(gone.hostId, gone.containerId)).toEqual(NOTHING_STORED);
    expect(await store.hosts.get(gone.hostId)).toBeNull();
  });

  it("keeps settings by key until cleared", async () => {
    expect(await store.settings.get("agent-url")).toBeNull();
    await store.settings.set("agent-url", "wss://a.example/ws/agent", 1);
    await store.settings.set("agent-url", "wss://b.example/ws/agent", 2);
    expect(await store.settings.get("agent-url")).toBe("wss://b.example/ws/agent");
    await store.settings.set("agent-url", null, 3);
    expect(await store.settings.get("agent-url")).toBeNull();
  });
});
