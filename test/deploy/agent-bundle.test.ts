/**
 * The one-file agent as a user installs it: `npm pack` of apps/agent (its prepack builds
 * dist/crowsnest-agent.cjs), the tarball installed offline into an empty directory outside the
 * repository, its `crowsnest-agent` bin started with nothing but Node.js on the PATH, welcomed by a
 * real server, its host and containers seen through the API, running with the agent's Node.js flags.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { ContainerView, Host } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIN_NODE_MAJOR } from "../../apps/agent/src/node-version.ts";
import { NODE_FLAGS } from "../../apps/agent/src/runtime-flags.ts";
import { ApiClient } from "../support/api-client.ts";
import { removeLabelled, runTestContainer } from "../support/containers.ts";
import { requireDockerEngine } from "../support/docker-cli.ts";
import { ADMIN_PASSWORD, ROOT, ServerProcess, waitFor } from "../support/processes.ts";

const LABEL = "crowsnest.test=agent-bundle";

describe("crowsnest-agent packed, installed into an empty directory and run", () => {
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-agent-bundle-"));
  const installDir = join(dir, "install");
  let tarball: string;
  let server: ServerProcess;
  let agent: ChildProcess | undefined;
  let agentOutput = "";

  beforeAll(async () => {
    await requireDockerEngine();
    const packed = execFileSync(
      "npm",
      ["pack", "--json", "--pack-destination", dir, "-w", "crowsnest-agent"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    const [{ filename }] = JSON.parse(packed.slice(packed.indexOf("["))) as [{ filename: string }];
    tarball = join(dir, filename);
    mkdirSync(installDir);
    // --offline: the tarball must need nothing from a registry.
    execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], {
      cwd: installDir,
      encoding: "utf8",
    });
    server = await ServerProcess.start({ dataDir: join(dir, "server") });
  }, 300_000);

  afterAll(async () => {
    if (agent !== undefined && agent.exitCode === null && agent.signalCode === null) {
      const exited = once(agent, "exit");
      agent.kill("SIGTERM");
      await exited;
    }
    await server?.stop();
    await removeLabelled(LABEL);
    rmSync(dir, { recursive: true, force: true });
  });

  it("holds one JavaScript file and needs no other package", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n").filter(Boolean);
    expect(files).toContain("package/dist/crowsnest-agent.cjs");
    expect(
      files.filter((f) => !/^package\/(package\.json|README\.md|dist\/crowsnest-agent\.cjs)$/.test(f)),
    ).toEqual([]);
    const manifest = JSON.parse(
      readFileSync(join(installDir, "node_modules", "crowsnest-agent", "package.json"), "utf8"),
    ) as { dependencies?: object; bin: Record<string, string>; engines: { node: string } };
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.bin).toEqual({ "crowsnest-agent": "dist/crowsnest-agent.cjs" });
    expect(manifest.engines.node).toBe(`>=${MIN_NODE_MAJOR}`);
    // Nothing but the agent itself was installed: zod and ws are inside the file.
    expect(readdirSync(join(installDir, "node_modules")).filter((name) => !name.startsWith("."))).toEqual([
      "crowsnest-agent",
    ]);
    const bundle = readFileSync(
      join(installDir, "node_modules", "crowsnest-agent", "dist", "crowsnest-agent.cjs"),
      "utf8",
    );
    expect(bundle.startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("is welcomed by a server and reports this host's containers", async () => {
    const containerId = await runTestContainer(LABEL, "sleep 600");
    const { hostId, token } = await server.addHost("bundled-agent");
    agent = spawn(
      join(installDir, "node_modules", ".bin", "crowsnest-agent"),
      ["--server-url", server.agentUrl, "--state-dir", join(dir, "agent-state"), "--interval", "1"],
      {
        cwd: installDir,
        // Only this Node.js (the pinned one) on the PATH, found by the bin's shebang; no repository around.
        env: {
          PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
          HOME: dir,
          CROWSNEST_TOKEN: token,
          CROWSNEST_LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const keep = (chunk: Buffer) => {
      agentOutput = (agentOutput + chunk.toString("utf8")).slice(-64 * 1024);
    };
    agent.stdout?.on("data", keep);
    agent.stderr?.on("data", keep);

    const admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    const running = () => agent?.exitCode === null && agent.signalCode === null;
    await waitFor(
      () => `the bundled agent's host online\n${agentOutput}`,
      async () => {
        if (!running()) throw new Error(`agent exited:\n${agentOutput}`);
        return (await admin.get<Host>(`/api/hosts/${hostId}`)).online;
      },
    );
    const container = await waitFor(
      () => `the container listed with a metric sample\n${agentOutput}`,
      async () => {
        const view = await admin.get<ContainerView>(`/api/hosts/${hostId}/containers/${containerId}`);
        return view.latest != null ? view : null;
      },
    );
    expect(container.state).toBe("running");
    expect(running()).toBe(true);
    // The bin's shebang names no flag: the agent re-executed itself with its own (runtime-flags.ts).
    const argv = readFileSync(`/proc/${agent.pid}/cmdline`, "utf8").split("\0");
    expect(argv.filter((arg) => NODE_FLAGS.includes(arg))).toEqual([...NODE_FLAGS]);
  });

  it("says in one line which Node.js it needs when started by an older one, and exits 1", () => {
    // The Node.js these machines have preinstalled (20): what a Docker host may well have on its PATH.
    const olderNode = "/usr/bin/node";
    const version = execFileSync(olderNode, ["--version"], { encoding: "utf8" }).trim();
    expect(Number.parseInt(version.slice(1), 10)).toBeLessThan(MIN_NODE_MAJOR);
    const bin = join(installDir, "node_modules", "crowsnest-agent", "dist", "crowsnest-agent.cjs");
    const run = spawnSync(olderNode, [bin, "--server-url", server.agentUrl], {
      env: { PATH: "/usr/bin:/bin", CROWSNEST_TOKEN: "unused-token-0123456789abcdef" },
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `crowsnest-agent needs Node.js ${MIN_NODE_MAJOR} or newer; this is Node.js ${version.slice(1)} (${olderNode})\n`,
    );
  });
});
