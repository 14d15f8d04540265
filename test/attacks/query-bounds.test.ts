import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/api-client.ts";
import { ADMIN_PASSWORD, ServerProcess } from "../support/processes.ts";

// Issue 22 §6: out-of-range times were a 500 with an error-level stack trace. Against the real server
// process, every time, limit and cursor parameter of logs, metrics and audit answers a hostile value
// with 400 naming the field, and the last representable values still work.

const CONTAINER = "c".repeat(64);
/** 9999-12-31T23:59:59.999Z, the latest time a query may name. */
const MAX_EPOCH_MS = 253_402_300_799_999;
const HOUR = 3_600_000;

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

const TIMES = [
  "9999999999999999",
  "8640000000000001",
  String(MAX_EPOCH_MS + 1),
  "-1",
  "1e400",
  "1e3",
  "NaN",
  "Infinity",
  "0x10",
  "1.5",
  "",
  " 1",
  "9".repeat(5_000),
];
const LIMITS = ["0", "-1", "1e400", "NaN", "0x10", "1.5", "", "99999999999999999999", "9".repeat(5_000)];
const LOG_CURSORS = [
  "A".repeat(5_000),
  "!!!!",
  "%%%",
  "====",
  "not-a-cursor",
  base64url([1, 2]),
  base64url(["2024-01-01T00:00:00.000000000Z", -1]),
  base64url(["2024-01-01T00:00:00.000000000Z", 1e300]),
  base64url(["2024-01-01T00:00:00.000000000Z", 1.5]),
  base64url(["2024-01-01T00:00:00Z", 1]),
  base64url({ ts: "2024-01-01T00:00:00.000000000Z", id: 1 }),
  Buffer.from('["2024-01-01T00:00:00.000000000Z", 1').toString("base64url"),
];
const AUDIT_CURSORS = [
  "0",
  "-1",
  "1e400",
  "NaN",
  "0x10",
  "1.5",
  "",
  "99999999999999999999",
  "A".repeat(5_000),
];

describe("hostile times, limits and cursors in queries", () => {
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-query-bounds-"));
  let server: ServerProcess;
  let admin: ApiClient;
  let routes: Record<"logs" | "metrics" | "audit", string>;

  beforeAll(async () => {
    server = await ServerProcess.start({ dataDir: join(dir, "server") });
    admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    const { hostId } = await server.addHost("query-bounds");
    routes = {
      logs: `/api/hosts/${hostId}/containers/${CONTAINER}/logs`,
      metrics: `/api/hosts/${hostId}/containers/${CONTAINER}/metrics`,
      audit: "/api/audit",
    };
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function get(path: string, query: Record<string, string>) {
    const res = await fetch(`${server.baseUrl}${path}?${new URLSearchParams(query)}`, {
      headers: { cookie: admin.cookie },
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string; field?: string } } };
  }

  const probes: [route: keyof typeof routes, param: string, values: string[]][] = [
    ["logs", "from", TIMES],
    ["logs", "to", TIMES],
    ["logs", "limit", [...LIMITS, "1001"]],
    ["logs", "cursor", LOG_CURSORS],
    ["metrics", "from", TIMES],
    ["metrics", "to", TIMES],
    ["audit", "from", TIMES],
    ["audit", "to", TIMES],
    ["audit", "limit", [...LIMITS, "501"]],
    ["audit", "cursor", AUDIT_CURSORS],
  ];

  it.each(probes)("%s?%s=<hostile> is a 400 naming the field", async (route, param, values) => {
    const answers: string[] = [];
    for (const value of values) {
      const { status, body } = await get(routes[route], { [param]: value });
      answers.push(`${param}=${value.slice(0, 40)} -> ${status} ${body.error?.code} ${body.error?.field}`);
      expect(status, answers.at(-1)).toBe(400);
      expect(body.error, answers.at(-1)).toMatchObject({ code: "bad_request", field: `query.${param}` });
    }
  });

  it("answers a repeated parameter with 400 naming it", async () => {
    for (const route of Object.values(routes)) {
      const res = await fetch(`${server.baseUrl}${route}?to=1&to=2`, { headers: { cookie: admin.cookie } });
      expect(res.status, route).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe("query.to");
    }
  });

  it("takes the extremes that are in range", async () => {
    const max = String(MAX_EPOCH_MS);
    for (const [route, query] of [
      ["logs", { from: "0", to: max, limit: "1000" }],
      ["logs", { to: "0", limit: "1" }],
      ["metrics", { from: String(MAX_EPOCH_MS - HOUR), to: max }],
      ["metrics", { to: "0" }],
      ["audit", { from: "0", to: max, limit: "500", cursor: String(Number.MAX_SAFE_INTEGER) }],
    ] as const) {
      const { status, body } = await get(routes[route], query);
      expect(status, `${route} ${JSON.stringify(query)}: ${JSON.stringify(body)}`).toBe(200);
    }
  });

  it("logged no request failure: nothing above reached the error handler as a 500", () => {
    expect(server.process.output).not.toContain("request failed");
    expect(server.process.running).toBe(true);
  });
});
