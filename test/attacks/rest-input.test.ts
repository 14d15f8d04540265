import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/api-client.ts";
import { recordFigure } from "../support/figures.ts";
import { ADMIN_PASSWORD, ServerProcess } from "../support/processes.ts";
import { nextMatching, send } from "../support/raw-sockets.ts";
import { welcomedSocket } from "../support/rig.ts";

const CONTAINER = "c".repeat(64);
// The protocol decoder gets 100,000 cases in its own fuzz test; over real HTTP each case costs ~3 ms here.
const FUZZ_CASES = 100_000;
const CONCURRENCY = 32;

interface Probe {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  body?: string;
}

describe("hostile REST input", () => {
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-attack-"));
  let server: ServerProcess;
  let admin: ApiClient;
  let hostId: string;

  beforeAll(async () => {
    server = await ServerProcess.start({ dataDir: join(dir, "server") });
    admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    const host = await server.addHost("search-host");
    hostId = host.hostId;
    // A protocol-level agent stores lines whose text looks like SQL and FTS5 syntax.
    const agent = await welcomedSocket(server, host.token);
    const texts = [
      "select * from users; drop table logs; --",
      'he said "NEAR(a b)" OR 1=1',
      "plain error line",
    ];
    send(agent, {
      type: "logs",
      seq: 1,
      lines: texts.map((text, i) => ({
        containerId: CONTAINER,
        ts: new Date(Date.now() - 1_000 + i).toISOString(),
        stream: "stdout",
        text,
        truncated: false,
      })),
      drops: [],
    });
    await nextMatching(agent, (m) => (m as { type: string }).type === "ack");
    agent.socket.close();
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(probe: Probe): Promise<{ status: number; body: string }> {
    const res = await fetch(`${server.baseUrl}${probe.path}`, {
      method: probe.method,
      headers: {
        cookie: admin.cookie,
        origin: server.baseUrl,
        ...(probe.body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: probe.body,
    });
    return { status: res.status, body: await res.text() };
  }

  it("refuses container ids with ../, %2F and ? before any lookup", async () => {
    const base = `/api/hosts/${hostId}/containers`;
    for (const id of [
      "..%2F..%2Fcontainers%2Fjson",
      "../containers/json",
      `${CONTAINER.slice(1)}%3F`,
      "%2e%2e%2f",
    ]) {
      for (const probe of [
        { method: "GET", path: `${base}/${id}` },
        { method: "GET", path: `${base}/${id}/logs` },
        { method: "POST", path: `${base}/${id}/actions`, body: JSON.stringify({ action: "stop" }) },
      ] as Probe[]) {
        const { status, body } = await call(probe);
        expect([400, 404], `${probe.method} ${probe.path}: ${body}`).toContain(status);
        expect(JSON.parse(body)).toMatchObject({
          error: { code: expect.any(String), message: expect.any(String) },
        });
      }
    }
    const withQuery = await call({ method: "GET", path: `${base}/${CONTAINER}?x=1/../../etc` });
    expect([200, 400, 404]).toContain(withQuery.status);
  });

  it("treats SQL metacharacters and FTS5 syntax in log search as text", async () => {
    const search = (q: string) =>
      call({
        method: "GET",
        path: `/api/hosts/${hostId}/containers/${CONTAINER}/logs?q=${encodeURIComponent(q)}`,
      });
    for (const q of [
      "' OR 1=1 --",
      '"unterminated',
      "NEAR(a b",
      "*",
      "text:error",
      "^start",
      "AND OR NOT",
      "a) UNION SELECT * FROM sqlite_master --",
      "\u0000",
      "%",
      "_",
    ]) {
      const { status, body } = await search(q);
      expect([200, 400], `${q}: ${body}`).toContain(status);
    }
    const drop = JSON.parse((await search("drop table")).body) as { lines: { text: string }[] };
    expect(drop.lines.map((l) => l.text)).toEqual(["select * from users; drop table logs; --"]);
    const near = JSON.parse((await search('"NEAR(a b)" OR 1=1')).body) as { lines: { text: string }[] };
    expect(near.lines.map((l) => l.text)).toEqual(['he said "NEAR(a b)" OR 1=1']);
  });

  it(`answers ${FUZZ_CASES.toLocaleString("en")} generated requests without a 5xx or a crash`, async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 80 }).map(encodeURIComponent),
      fc.constantFrom("..", "%2F", "%2e%2e", "?", "%00", CONTAINER, hostId, "admin", ""),
      fc.string({ unit: "binary", maxLength: 20 }).map(encodeURIComponent),
    );
    const query = fc
      .dictionary(
        fc.constantFrom("from", "to", "q", "stream", "limit", "cursor", "user", "host", "action", "result"),
        fc.string({ maxLength: 40 }),
      )
      .map((q) => new URLSearchParams(q).toString());
    const body = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record({ action: fc.string({ maxLength: 12 }), options: fc.jsonValue() })
        .map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
    );
    const probe: fc.Arbitrary<Probe> = fc.oneof(
      fc.record({
        method: fc.constant("GET" as const),
        path: fc
          .tuple(
            fc.constantFrom(
              "/api/hosts/",
              "/api/hosts/{h}/containers/",
              "/api/hosts/{h}/containers/{c}/logs?",
              "/api/hosts/{h}/containers/{c}/metrics?",
              "/api/audit?",
              "/api/users/",
            ),
            segment,
            query,
          )
          .map(
            ([template, seg, q]) =>
              template.replace("{h}", hostId).replace("{c}", CONTAINER) + (template.endsWith("?") ? q : seg),
          ),
      }),
      fc.record({
        method: fc.constantFrom("POST" as const, "PATCH" as const),
        path: fc
          .tuple(
            fc.constantFrom(
              "/api/hosts/{h}/containers/{s}/actions",
              "/api/users/{s}",
              "/api/hosts/{s}/rotate",
              "/api/hosts",
            ),
            segment,
          )
          .map(([template, seg]) => template.replace("{h}", hostId).replace("{s}", seg)),
        body,
      }),
    );
    const seed = Date.now();
    const probes = fc.sample(probe, { numRuns: FUZZ_CASES, seed });
    const statuses = new Map<number, number>();
    const serverErrors: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < probes.length) {
          const p = probes[next++] as Probe;
          const { status, body: text } = await call(p);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 500 || (status >= 400 && !text.includes('"error"'))) {
            serverErrors.push(`${p.method} ${p.path} ${p.body ?? ""} -> ${status} ${text.slice(0, 200)}`);
          }
        }
      }),
    );
    recordFigure("REST fuzz", {
      cases: probes.length,
      seed,
      statuses: JSON.stringify(Object.fromEntries(statuses)),
    });
    expect(serverErrors.slice(0, 5), `seed ${seed}`).toEqual([]);
    expect(server.process.running).toBe(true);
    expect((await fetch(`${server.baseUrl}/api/health`)).status).toBe(200);
  }, 600_000);
});
