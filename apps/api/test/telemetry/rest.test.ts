import type { ApiError, ContainerView, Host, LogsResponse, MetricsResponse } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerInfo, logLine, metricSample, containerId as newContainerId } from "../support/samples.ts";
import { SimAgent } from "../support/sim-agent.ts";
import { TelemetryServer } from "../support/telemetry-server.ts";

const MINUTE = 60_000;

describe("telemetry REST API (real server, data sent by a protocol-level agent)", () => {
  let server: TelemetryServer;
  let hostId: string;
  const id = newContainerId();
  const other = newContainerId();
  const now = Date.now();

  beforeAll(async () => {
    server = await TelemetryServer.start();
    const host = await server.addHost("rest");
    hostId = host.hostId;
    const agent = await SimAgent.connect(server.agentUrl, host.token, {
      containers: [
        containerInfo(id, "web", { "com.docker.dashboard.protected": "true" }),
        containerInfo(other, "db"),
      ],
    });
    // Three hours of one sample a minute (cpu = minute index), and 25 log lines.
    const samples = Array.from({ length: 180 }, (_, i) =>
      metricSample(id, now - (179 - i) * MINUTE, i, 1_000 * i),
    );
    await agent.send({ type: "metrics", samples }).acked;
    const lines = Array.from({ length: 25 }, (_, i) =>
      logLine(
        id,
        now - (25 - i) * 1_000,
        i === 7 ? "payment FAILED for order 7" : `line ${i} ok`,
        i % 5 === 0 ? "stderr" : "stdout",
      ),
    );
    await agent.send({ type: "logs", lines, drops: [] }).acked;
    await agent.send({ type: "logs", lines: [logLine(other, now, "payment FAILED elsewhere")], drops: [] })
      .acked;
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it("lists hosts and containers, fleet-wide and per host", async () => {
    const hosts = await server.get<Host[]>("/api/hosts");
    expect(hosts.body).toEqual([
      expect.objectContaining({
        id: hostId,
        name: "rest",
        online: true,
        containerCounts: expect.objectContaining({ running: 2 }),
      }),
    ]);
    const host = await server.get<Host>(`/api/hosts/${hostId}`);
    expect(host.body.info?.dockerVersion).toBe("20.10.24");
    expect(host.body.cpuPercent).toBe(179);
    const fleet = await server.get<ContainerView[]>("/api/containers");
    expect(fleet.body.map((c) => c.id).sort()).toEqual([id, other].sort());
    const container = await server.get<ContainerView>(`/api/hosts/${hostId}/containers/${id}`);
    expect(container.body).toMatchObject({
      hostId,
      protected: true,
      names: ["/web"],
      latest: { cpuPercent: 179 },
    });
  });

  it("returns raw samples where they are kept and 1-minute rollups beyond, saying which", async () => {
    const short = await server.get<MetricsResponse>(
      `/api/hosts/${hostId}/containers/${id}/metrics?from=${now - 30 * MINUTE}&to=${now}`,
    );
    expect(short.body.resolution).toBe("raw");
    expect(short.body.bucketMs).toBeNull();
    expect(short.body.points).toHaveLength(31);
    // Within the raw tier's 24 h, fewer samples than a chart's points: all of them, as they are.
    const long = await server.get<MetricsResponse>(
      `/api/hosts/${hostId}/containers/${id}/metrics?from=${now - 6 * 60 * MINUTE}&to=${now}`,
    );
    expect(long.body.resolution).toBe("raw");
    expect(long.body.points).toHaveLength(180);
    // From before the raw tier's retention: the rollups.
    const old = await server.get<MetricsResponse>(
      `/api/hosts/${hostId}/containers/${id}/metrics?from=${now - 7 * 24 * 60 * MINUTE}&to=${now}`,
    );
    expect(old.body.resolution).toBe("1m");
    expect(old.body.points).toHaveLength(180);
    expect(old.body.points.at(-1)).toMatchObject({
      cpuPercent: 179,
      cpuPercentMin: 179,
      cpuPercentMax: 179,
      memUsedBytes: 179_000,
    });
  });

  it("pages through logs newest-first with a cursor, and filters by stream and full-text words", async () => {
    const base = `/api/hosts/${hostId}/containers/${id}/logs`;
    const first = await server.get<LogsResponse>(`${base}?limit=10`);
    expect(first.body.lines.map((l) => l.text).at(-1)).toBe("line 24 ok");
    expect(first.body.lines).toHaveLength(10);
    const seen = [...first.body.lines];
    let cursor = first.body.nextCursor;
    while (cursor) {
      const page = await server.get<LogsResponse>(`${base}?limit=10&cursor=${cursor}`);
      seen.unshift(...page.body.lines);
      cursor = page.body.nextCursor;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen.map((l) => l.id)).size).toBe(25);
    expect(seen.map((l) => l.ts)).toEqual([...seen.map((l) => l.ts)].sort());

    const search = await server.get<LogsResponse>(`${base}?q=${encodeURIComponent("failed PAYMENT")}`);
    expect(search.body.lines.map((l) => l.text)).toEqual(["payment FAILED for order 7"]);
    const stderr = await server.get<LogsResponse>(`${base}?stream=stderr`);
    expect(stderr.body.lines).toHaveLength(5);
    const quoted = await server.get<LogsResponse>(`${base}?q=${encodeURIComponent('" OR * NEAR(')}`);
    expect(quoted.status).toBe(200);
  });

  it.each([
    ["/api/hosts/bad%20id", "params.hostId"],
    [`/api/hosts/HOST/containers/abc`, "params.containerId"],
    [`/api/hosts/HOST/containers/${"a".repeat(64)}/metrics?from=yesterday`, "query.from"],
    [`/api/hosts/HOST/containers/${"a".repeat(64)}/metrics?from=20&to=10`, "query.from"],
    [`/api/hosts/HOST/containers/${"a".repeat(64)}/metrics?step=5`, "query"],
    [`/api/hosts/HOST/containers/${"a".repeat(64)}/logs?limit=0`, "query.limit"],
    [`/api/hosts/HOST/containers/${"a".repeat(64)}/logs?limit=5000`, "query.limit"],
    [`/api/hosts/HOST/containers/${"a".repeat(64)}/logs?stream=stdin`, "query.stream"],
    [`/api/hosts/HOST/containers/${"a".repeat(64)}/logs?cursor=garbage`, "query.cursor"],
  ])("answers GET %s with 400 naming %s", async (path, field) => {
    const res = await server.get<ApiError>(path.replace("HOST", hostId));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "bad_request", field });
  });

  it("answers unknown hosts, containers and routes with 404 in the shared error shape", async () => {
    for (const path of [
      "/api/hosts/nope",
      `/api/hosts/${hostId}/containers/${"b".repeat(64)}`,
      `/api/hosts/nope/containers/${id}/logs`,
      "/api/nothing-here",
    ]) {
      const res = await server.get<ApiError>(path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
  });
});
