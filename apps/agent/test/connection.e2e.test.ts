import { readdir, readFile, readlink, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentProcess, tempStateDir } from "./helpers/agent-process.ts";
import { FakeServer } from "./helpers/fake-server.ts";

const TOKEN = "enrolment-token-0123456789abcdef0123";
const CREDENTIAL = "host-credential-0123456789abcdef0123456789abcdef";

/** Inodes of the sockets this process has in the listening state (TCP, TCP6 or unix). */
async function listeningSockets(pid: number): Promise<string[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1]) inodes.add(match[1]);
  }
  const listening: string[] = [];
  for (const table of ["tcp", "tcp6"]) {
    for (const row of (await readFile(`/proc/net/${table}`, "utf8")).split("\n").slice(1)) {
      const fields = row.trim().split(/\s+/);
      if (fields[3] === "0A" && inodes.has(fields[9] ?? "")) listening.push(`${table}:${fields[1]}`);
    }
  }
  for (const row of (await readFile("/proc/net/unix", "utf8")).split("\n").slice(1)) {
    const fields = row.trim().split(/\s+/);
    if (fields[3] === "00010000" && inodes.has(fields[6] ?? "")) listening.push(`unix:${fields[7] ?? ""}`);
  }
  return listening;
}

describe("connection and credential", () => {
  const server = new FakeServer({ token: TOKEN, issueCredential: CREDENTIAL });
  let agent: AgentProcess;
  let stateDir: string;

  beforeAll(async () => {
    await server.start();
    stateDir = await tempStateDir();
    agent = AgentProcess.start({ serverUrl: server.url, token: TOKEN, stateDir });
    await server.waitFor(() => server.received.find((m) => m.type === "inventory"));
  });

  afterAll(async () => {
    await agent?.stop();
    await server.stop();
  });

  it("sends the token as a bearer header, then keeps the credential from welcome (0600) and uses it", async () => {
    expect(server.authorizations[0]).toBe(`Bearer ${TOKEN}`);
    const path = join(stateDir, "credential");
    await server.waitFor(async () => (await readFile(path, "utf8").catch(() => "")).trim() === CREDENTIAL);
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const before = server.authorizations.length;
    await server.restart();
    await server.waitFor(() => server.authorizations.length > before);
    expect(server.authorizations.slice(before).every((a) => a === `Bearer ${CREDENTIAL}`)).toBe(true);
  });

  it("logs a refused credential clearly and keeps retrying until the server accepts it", async () => {
    server.rejectUpgrades = true;
    const before = server.authorizations.length;
    await server.restart();
    await server.waitFor(() => server.authorizations.length >= before + 2, 30_000);
    expect(agent.stderr).toMatch(
      /"level":"error","msg":"server refused the agent's credential[^"]*".*"status":401/,
    );

    const inventories = server.received.filter((m) => m.type === "inventory").length;
    server.rejectUpgrades = false;
    await server.waitFor(
      () => server.received.filter((m) => m.type === "inventory").length > inventories,
      45_000,
    );
  });

  it("never listens on a port", async () => {
    expect(await listeningSockets(agent.child.pid ?? 0)).toEqual([]);
  });
});
