import type { ContainerView, Host, LiveMessage, MetricPoint, MetricSample } from "@crowsnest/protocol";
import { describe, expect, it } from "vitest";
import { applyLiveToContainers, applyLiveToHosts, withLiveTotals, withSample } from "../src/lib/fleet.ts";
import { compileSearch } from "../src/lib/log-search.ts";
import { joinLogs, type LogRow, matchesFilter, newRows, rowsToText, tsKey } from "../src/lib/logs.ts";
import { joinHistory, MetricColumns, type MetricRow, rowFromPoint } from "../src/lib/metrics.ts";
import { verdict } from "../src/lib/permissions.ts";

const line = (ts: string, text: string, stream: "stdout" | "stderr" = "stdout"): LogRow => ({
  kind: "line",
  key: `${ts}${text}`,
  ts,
  stream,
  text,
  truncated: false,
});

describe("log history joined to the live stream", () => {
  it("pads Docker's variable fractional seconds so timestamps sort", () => {
    expect(tsKey("2026-01-01T00:00:01.5Z") > tsKey("2026-01-01T00:00:01.123456789Z")).toBe(true);
    expect(tsKey("2026-01-01T00:00:01Z")).toBe("2026-01-01T00:00:01.000000000Z");
  });

  it("skips live lines already in the history and keeps the newer ones", () => {
    const history = [line("2026-01-01T00:00:01Z", "a"), line("2026-01-01T00:00:02.5Z", "b")];
    const live = [
      line("2026-01-01T00:00:02.5Z", "b"),
      line("2026-01-01T00:00:02.50Z", "b2"),
      line("2026-01-01T00:00:01Z", "old"),
      line("2026-01-01T00:00:03Z", "c"),
    ];
    expect(joinLogs(history, live).map((r) => (r.kind === "line" ? r.text : "gap"))).toEqual([
      "a",
      "b",
      "b2",
      "c",
    ]);
  });

  it("drops a batch resent live after what is shown (an agent resending after a server restart)", () => {
    const shown = [line("2026-01-01T00:00:01Z", "97"), line("2026-01-01T00:00:02Z", "98")];
    const resent = [line("2026-01-01T00:00:01Z", "97"), line("2026-01-01T00:00:02Z", "98")];
    expect(newRows(shown, resent)).toEqual([]);
    const next = [...resent, line("2026-01-01T00:00:02Z", "98 again"), line("2026-01-01T00:00:03Z", "99")];
    expect(newRows(shown, next).map((r) => (r.kind === "line" ? r.text : "gap"))).toEqual(["98 again", "99"]);
  });

  it("filters by stream and by text without the ANSI codes", () => {
    const r = line("2026-01-01T00:00:01Z", "\x1b[31mError\x1b[0m here", "stderr");
    const search = (q: string, match = "prefix") => compileSearch({ q, match, case: "insensitive" });
    expect(matchesFilter(r, "all", search("here error"))).toBe(true);
    expect(matchesFilter(r, "all", search("rror"))).toBe(false);
    expect(matchesFilter(r, "all", search("rror", "substring"))).toBe(true);
    expect(matchesFilter(r, "stdout", null)).toBe(false);
    expect(rowsToText([r], true)).toBe("2026-01-01T00:00:01Z [stderr] Error here");
  });
});

describe("metric history joined to the live stream", () => {
  const point = (t: number, cpu: number, rx: number): MetricPoint => ({
    t,
    cpuPercent: cpu,
    cpuPercentMin: cpu,
    cpuPercentMax: cpu,
    memUsedBytes: 100,
    memUsedBytesMin: 100,
    memUsedBytesMax: 100,
    memLimitBytes: 1000,
    netRxBytes: rx,
    netTxBytes: 0,
    blkReadBytes: 0,
    blkWriteBytes: 0,
    pids: 1,
  });
  const live = (t: number, cpu: number, rx: number): MetricRow => ({
    ...rowFromPoint(point(t, cpu, rx)),
    onlineCpus: 4,
  });

  it("appends only live samples newer than the history, in order, without a gap or duplicate", () => {
    const store = new MetricColumns(2);
    joinHistory(store, [point(1000, 10, 0), point(2000, 20, 1000)].map(rowFromPoint), [
      live(4000, 40, 3000),
      live(2000, 99, 1000),
      live(3000, 30, 2000),
    ]);
    expect(store.cols.x).toEqual([1, 2, 3, 4]);
    expect(store.cols.cpu).toEqual([10, 20, 30, 40]);
    // Counters become rates: bytes per second between consecutive samples.
    expect(store.cols.rx).toEqual([null, 1000, 1000, 1000]);
    // Share of the host uses the host's CPUs until a live sample reports its own.
    expect(store.cols.cpuHost).toEqual([5, 10, 7.5, 10]);
    expect(store.cols.memPct).toEqual([10, 10, 10, 10]);
  });

  it("appends in place and trims to the window", () => {
    const store = new MetricColumns(1);
    const x = store.cols.x;
    for (let t = 1; t <= 10; t++) store.push(live(t * 1000, t, 0));
    expect(store.push(live(5000, 0, 0))).toBe(false);
    store.trim(6000);
    expect(store.cols.x).toBe(x);
    expect(store.cols.x).toEqual([6, 7, 8, 9, 10]);
  });

  it("shows a counter reset as no rate rather than a negative one", () => {
    const store = new MetricColumns(1);
    store.push(live(1000, 1, 5000));
    store.push(live(2000, 1, 10));
    expect(store.cols.rx).toEqual([null, null]);
  });
});

describe("the action buttons' verdict (the protocol's policy, then the state)", () => {
  it("also disables what the container's state makes meaningless", () => {
    expect(verdict("ADMIN", "start", false, "running").allowed).toBe(false);
    expect(verdict("ADMIN", "stop", false, "exited").allowed).toBe(false);
    expect(verdict("ADMIN", "unpause", false, "paused").allowed).toBe(true);
    // A role refusal wins over the state's reason.
    expect(verdict("VIEWER", "stop", false, "exited").reason).toMatch(/VIEWER/);
  });
});

describe("live updates of a container list", () => {
  const id = "a".repeat(64);
  const view: ContainerView = {
    id,
    names: ["/web"],
    image: "img",
    state: "running",
    status: "Up",
    created: 1,
    startedAt: null,
    finishedAt: null,
    exitCode: null,
    restartCount: 0,
    health: "none",
    labels: {},
    ports: [],
    composeProject: null,
    composeService: null,
    tty: false,
    hostId: "h1",
    protected: false,
    latest: null,
    latestStale: false,
    removedAt: null,
  };

  it("applies an event's container state and derives protected from its labels", () => {
    const m: LiveMessage = {
      type: "event",
      hostId: "h1",
      event: {
        containerId: id,
        action: "stop",
        time: 2,
        exitCode: 0,
        container: { ...view, state: "exited", labels: { "com.docker.dashboard.protected": "true" } },
      },
    };
    const [next] = applyLiveToContainers([view], m);
    expect(next?.state).toBe("exited");
    expect(next?.protected).toBe(true);
  });

  it("removes a destroyed container and ignores other hosts' ids", () => {
    const destroy: LiveMessage = {
      type: "event",
      hostId: "h2",
      event: { containerId: id, action: "destroy", time: 2, exitCode: null, container: null },
    };
    expect(applyLiveToContainers([view], destroy)).toHaveLength(1);
    expect(applyLiveToContainers([view], { ...destroy, hostId: "h1" })).toHaveLength(0);
  });

  it("recounts a host's containers and usage from the live list", () => {
    const host = { id: "h1", containerCounts: {}, cpuPercent: 0, memUsedBytes: 0 } as unknown as Host;
    const sample = { cpuPercent: 12.5, memUsedBytes: 2048 } as NonNullable<ContainerView["latest"]>;
    const totals = withLiveTotals(host, [
      { ...view, latest: sample },
      { ...view, id: "b".repeat(64), state: "exited", latest: sample },
      { ...view, hostId: "h2", latest: sample },
    ]);
    expect(totals.containerCounts.running).toBe(1);
    expect(totals.containerCounts.exited).toBe(1);
    expect(totals.containerCounts.paused).toBe(0);
    expect([totals.cpuPercent, totals.memUsedBytes]).toEqual([12.5, 2048]);
  });

  it("brings a host's last-seen time forward with whatever its agent sends", () => {
    const host = { id: "h1", online: true, lastSeen: 1_000 } as unknown as Host;
    const metrics: LiveMessage = { type: "metrics", hostId: "h1", samples: [] };
    expect(applyLiveToHosts([host], metrics, 5_000)[0]?.lastSeen).toBe(5_000);
    expect(applyLiveToHosts([host], { ...metrics, hostId: "h2" }, 5_000)[0]?.lastSeen).toBe(1_000);
    const offline: LiveMessage = { type: "host_status", hostId: "h1", online: false, lastSeen: 2_000 };
    expect(applyLiveToHosts([host], offline, 5_000)[0]).toMatchObject({ online: false, lastSeen: 2_000 });
  });

  it("takes a live sample only when newer, so that applied again to a later read it takes nothing back", () => {
    const sample = (t: number) => ({ containerId: id, t, cpuPercent: t / 1_000 }) as MetricSample;
    const read = { ...view, state: "paused" as const, latest: sample(2_000) };
    expect(withSample(read, sample(1_000))).toBe(read);
    expect(withSample(read, sample(2_000))).toBe(read);
    expect(withSample(read, sample(3_000))).toEqual({ ...read, latest: sample(3_000) });
    expect(withSample({ ...read, latest: null }, sample(1_000)).latest).toEqual(sample(1_000));
    const older: LiveMessage = { type: "metrics", hostId: "h1", samples: [sample(1_000)] };
    expect(applyLiveToContainers([read], older)[0]).toBe(read);
  });
});
