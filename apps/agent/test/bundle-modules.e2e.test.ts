/**
 * The one-file agent leaves out the Node.js modules it does not use (scripts/build-agent.ts): each
 * costs resident memory for the agent's whole life (BENCHMARKS.md, "Agent footprint"). The bundle
 * runs against the real Engine and a stand-in server, and a preloaded script records, as it exits,
 * which of Node's built-in modules it loaded.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "../../../scripts/build-agent.ts";
import { AgentProcess, tempStateDir } from "./helpers/agent-process.ts";
import { FakeServer } from "./helpers/fake-server.ts";

const TOKEN = "bundle-modules-token-0123456789abcdef0";

describe("the one-file agent's built-in modules", () => {
  let server: FakeServer;
  let agent: AgentProcess | undefined;

  beforeAll(async () => {
    server = new FakeServer({ token: TOKEN });
    await server.start();
  });

  afterAll(async () => {
    await agent?.stop();
    await server.stop();
  });

  it("does not load zlib, fs/promises (and its readline), tls or https on ws://", async () => {
    const dir = await tempStateDir();
    const preload = join(dir, "record-modules.cjs");
    const recorded = join(dir, "modules.json");
    // process.moduleLoadList: the built-ins this process has loaded, in order (Node.js internals).
    await writeFile(
      preload,
      `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(recorded)}, JSON.stringify(process.moduleLoadList)));\n`,
    );
    const stateDir = join(dir, "state");
    agent = AgentProcess.spawn(
      ["--server-url", server.url, "--state-dir", stateDir, "--interval", "1", "--log-level", "info"],
      { CROWSNEST_TOKEN: TOKEN, NODE_OPTIONS: `--require ${preload}` },
      await buildAgent(),
    );
    // Logging, the state directory and the outbox (written through the bundle's fs/promises) all ran.
    await server.waitFor(() => server.received.find((m) => m.type === "inventory"), 30_000);
    expect(agent.stderr).toContain('"level":"info"');
    expect((await readdir(stateDir)).length).toBeGreaterThan(0);
    expect(await agent.stop()).toBe(0);

    const loaded = (JSON.parse(await readFile(recorded, "utf8")) as string[])
      .filter((entry) => entry.startsWith("NativeModule "))
      .map((entry) => entry.slice("NativeModule ".length));
    expect(loaded).toContain("net"); // the list is the one expected: the agent's sockets are there
    for (const unused of ["zlib", "internal/fs/promises", "internal/readline/interface", "tls", "https"]) {
      expect(loaded).not.toContain(unused);
    }
  }, 60_000);
});
