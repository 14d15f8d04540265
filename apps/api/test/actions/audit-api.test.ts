import { PROTECTED_LABEL } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthTestServer } from "../auth/support/auth-server.ts";
import { containerId, containerInfo } from "../support/samples.ts";

// GET /api/audit over real HTTP: every filter the issue names, cursor pages, bad filters naming the
// field, and no route that changes a row. The rows come from real action attempts on a host whose
// agent is offline (allowed, then failed) and from refusals (denied), so no Docker is needed here.
// The sign-ins and the enrolment of the setup are audited too (see admin-audit.test.ts): the
// queries here keep to the container actions with `category=container`.

let srv: AuthTestServer;
let admin: string;
let operator: string;
let viewer: string;
let hostId: string;
const plain = containerId();
const guarded = containerId();

function act(cookie: string, id: string, action: string) {
  return srv.http("POST", `/api/hosts/${hostId}/containers/${id}/actions`, {
    cookie,
    body: { action, options: {} },
  });
}

async function audit(query: string) {
  const res = await srv.http("GET", `/api/audit?category=container&${query}`, { cookie: admin });
  expect(res.status, query).toBe(200);
  return res.body as {
    entries: { id: string; result: string; username: string; action: string; time: number }[];
    nextCursor: string | null;
  };
}

beforeAll(async () => {
  srv = await AuthTestServer.start();
  await srv.addUser("alice", "ADMIN");
  await srv.addUser("oscar", "OPERATOR");
  await srv.addUser("vera", "VIEWER");
  admin = await srv.login("alice");
  operator = await srv.login("oscar");
  viewer = await srv.login("vera");
  hostId = (await srv.http("POST", "/api/hosts", { cookie: admin, body: { name: "audited" } })).body.host.id;
  const now = Date.now();
  await srv.store.telemetry.write([
    {
      kind: "inventory",
      hostId,
      at: now,
      snapshot: {
        type: "inventory",
        time: now,
        containers: [
          containerInfo(plain, "web"),
          containerInfo(guarded, "db", { [PROTECTED_LABEL]: "true" }),
        ],
      },
    },
  ]);
  expect((await act(viewer, plain, "stop")).status).toBe(403); // denied
  expect((await act(operator, guarded, "stop")).status).toBe(403); // denied: protected
  expect((await act(operator, plain, "start")).status).toBe(409); // allowed, then failed: agent offline
  expect((await act(admin, guarded, "restart")).status).toBe(409); // allowed, then failed
});
afterAll(async () => {
  await srv?.close();
});

describe("GET /api/audit", () => {
  it("records who, what, where, whether protected, the result and the client address", async () => {
    const { entries } = await audit("limit=500");
    expect(entries).toHaveLength(6);
    expect(entries.map((e) => e.result)).toEqual([
      "failed",
      "allowed",
      "failed",
      "allowed",
      "denied",
      "denied",
    ]);
    expect(entries[0]).toMatchObject({
      username: "alice",
      role: "ADMIN",
      hostId,
      containerId: guarded,
      containerName: "db",
      action: "restart",
      protected: true,
      result: "failed",
      reason: expect.stringMatching(/not connected/),
      clientAddress: expect.stringMatching(/127\.0\.0\.1/),
    });
    expect(entries[4]).toMatchObject({
      username: "oscar",
      protected: true,
      reason: expect.stringMatching(/protected/),
    });
  });

  it("filters by user, host, container (id or name), action, result and time range", async () => {
    const usernames = async (query: string) => (await audit(query)).entries.map((e) => e.username);
    expect(await usernames("user=oscar")).toEqual(["oscar", "oscar", "oscar"]);
    expect(await usernames(`host=${hostId}`)).toHaveLength(6);
    expect(await usernames(`container=${plain}`)).toEqual(["oscar", "oscar", "vera"]);
    expect(await usernames("container=db")).toEqual(["alice", "alice", "oscar"]);
    expect(await usernames("action=stop")).toEqual(["oscar", "vera"]);
    expect(await usernames("result=denied")).toEqual(["oscar", "vera"]);
    expect(await usernames("user=oscar&result=failed&action=start")).toEqual(["oscar"]);
    const all = (await audit("limit=500")).entries;
    const newest = all[0]?.time ?? 0;
    expect(await usernames(`from=${newest + 1}`)).toEqual([]);
    expect(await usernames(`to=${newest}`)).toHaveLength(6);
    const oldest = all.at(-1)?.time ?? 0;
    expect(await usernames(`from=${oldest}&to=${oldest}`)).toContain("vera");
  });

  it("pages newest first with a cursor, null on the last page", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await audit(`limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(2);
    expect(seen).toEqual((await audit("limit=500")).entries.map((e) => e.id));
  });

  it.each([
    ["result=maybe", "query.result"],
    ["action=exec", "query.action"],
    ["host=..%2Fx", "query.host"],
    ["from=yesterday", "query.from"],
    ["from=2000&to=1000", "query.from"],
    ["limit=501", "query.limit"],
    ["cursor=abc", "query.cursor"],
    ["colour=red", "query"],
  ])("answers ?%s with 400 naming %s", async (query, field) => {
    const res = await srv.http("GET", `/api/audit?${query}`, { cookie: admin });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "bad_request", field });
  });

  it("has no route that changes or deletes a row", async () => {
    const [first] = (await audit("limit=1")).entries;
    for (const method of ["PUT", "PATCH", "DELETE", "POST"]) {
      for (const path of ["/api/audit", `/api/audit/${first?.id}`]) {
        const res = await srv.http(method, path, {
          cookie: admin,
          body: method === "DELETE" ? undefined : {},
        });
        expect(res.status, `${method} ${path}`).toBe(404);
      }
    }
    expect((await audit("limit=500")).entries).toHaveLength(6);
  });

  it("is for ADMINs only", async () => {
    for (const cookie of [operator, viewer]) {
      const res = await srv.http("GET", "/api/audit", { cookie });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
  });
});
