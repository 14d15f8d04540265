import type { ApiError, LogsResponse } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerInfo, logLine, containerId as newContainerId } from "../support/samples.ts";
import { SimAgent } from "../support/sim-agent.ts";
import { TelemetryServer } from "../support/telemetry-server.ts";

const LINES = [
  "upstream timeout from payment-gateway",
  "\x1b[33mWARN\x1b[0m Retry scheduled",
  'NEAR(a b) "x',
];

describe("GET …/logs search: word starts, substrings, case (real server, data sent by a protocol-level agent)", () => {
  let server: TelemetryServer;
  let base: string;
  const id = newContainerId();

  beforeAll(async () => {
    server = await TelemetryServer.start();
    const host = await server.addHost("search");
    base = `/api/hosts/${host.hostId}/containers/${id}/logs`;
    const agent = await SimAgent.connect(server.agentUrl, host.token, {
      containers: [containerInfo(id, "api")],
    });
    const now = Date.now();
    const lines = LINES.map((text, i) => logLine(id, now - 1_000 + i, text, i === 1 ? "stderr" : "stdout"));
    await agent.send({ type: "logs", lines, drops: [] }).acked;
  });
  afterAll(async () => {
    await server?.dispose();
  });

  const texts = async (query: Record<string, string>) => {
    const res = await server.get<LogsResponse>(`${base}?${new URLSearchParams(query)}`);
    expect(res.status).toBe(200);
    return res.body.lines.map((l) => l.text);
  };

  it("finds `time` and `pay` by their beginning with `q` alone, as before for whole words", async () => {
    expect(await texts({ q: "time" })).toEqual([LINES[0]]);
    expect(await texts({ q: "pay" })).toEqual([LINES[0]]);
    expect(await texts({ q: "timeout upstream" })).toEqual([LINES[0]]);
    expect(await texts({ q: "meout" })).toEqual([]);
    expect(await texts({ q: "warn" })).toEqual([LINES[1]]);
  });

  it("finds parts of words with match=substring, and says nothing was cut short", async () => {
    expect(await texts({ q: "meout", match: "substring" })).toEqual([LINES[0]]);
    expect(await texts({ q: "ment-gate", match: "substring" })).toEqual([LINES[0]]);
    const res = await server.get<LogsResponse>(`${base}?q=etry&match=substring`);
    expect(res.body).toMatchObject({ lines: [expect.objectContaining({ text: LINES[1] })], scanned: null });
  });

  it("requires the case as typed with case=sensitive", async () => {
    expect(await texts({ q: "retry" })).toEqual([LINES[1]]);
    expect(await texts({ q: "retry", case: "sensitive" })).toEqual([]);
    expect(await texts({ q: "Retry", case: "sensitive", stream: "stderr" })).toEqual([LINES[1]]);
    expect(await texts({ q: "etry", case: "sensitive", match: "substring" })).toEqual([LINES[1]]);
    expect(await texts({ q: "ETRY", case: "sensitive", match: "substring" })).toEqual([]);
  });

  it("takes FTS5 syntax as text", async () => {
    expect(await texts({ q: "NEAR(a b)" })).toEqual([LINES[2]]);
    expect(await texts({ q: '"x' })).toEqual([LINES[2]]);
    expect(await texts({ q: '"x', match: "substring" })).toEqual([LINES[2]]);
    expect(await texts({ q: "NEAR(x" })).toEqual([]);
  });

  it.each([
    ["match=word", "query.match"],
    ["match=", "query.match"],
    ["case=SENSITIVE", "query.case"],
    ["case=sensitive&case=insensitive", "query.case"],
  ])("answers ?%s with 400 naming %s", async (query, field) => {
    const res = await server.get<ApiError>(`${base}?q=x&${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "bad_request", field });
  });
});
