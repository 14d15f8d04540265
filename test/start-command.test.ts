import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerView, Host } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "./support/api-client.ts";
import { removeLabelled, runTestContainer } from "./support/containers.ts";
import { requireDockerEngine } from "./support/docker-cli.ts";
import { ADMIN_PASSWORD, freePort, ManagedProcess, waitFor } from "./support/processes.ts";

const LABEL = "crowsnest.test=start-command";

/** Command lines of the live processes that name this path: the agent's names its state directory. */
function processesMentioning(path: string): string[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        return [readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ")];
      } catch {
        return []; // gone since the listing
      }
    })
    .filter((cmdline) => cmdline.includes(path));
}

// The README's first command, as a new user runs it: one process that brings up the server, the
// dashboard and a local agent for this machine's Docker Engine, with nothing enrolled by hand.
describe("npm start", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "crowsnest-start-"));
  let start: ManagedProcess;
  let baseUrl: string;
  let containerId: string;

  beforeAll(async () => {
    await requireDockerEngine();
    containerId = await runTestContainer(LABEL, "while :; do echo started-by-a-user; sleep 1; done");
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    start = new ManagedProcess("npm start", ["scripts/start.ts"], {
      CROWSNEST_PORT: String(port),
      CROWSNEST_DATA_DIR: dataDir,
      CROWSNEST_ADMIN_PASSWORD: ADMIN_PASSWORD,
    });
    // A stale dashboard is rebuilt first, which takes a minute or two on a small machine.
    await waitFor(
      () => `the server to answer\n${start.output}`,
      async () => (await fetch(`${baseUrl}/api/health`)).ok,
      240_000,
    );
  }, 300_000);

  afterAll(async () => {
    await start?.kill("SIGTERM");
    await removeLabelled(LABEL);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves the dashboard and shows this machine's containers through its own agent", async () => {
    const admin = await ApiClient.login(baseUrl, "admin", ADMIN_PASSWORD);
    const host = await waitFor(
      () => `the local agent's host to come online\n${start.output}`,
      async () => (await admin.get<Host[]>("/api/hosts")).find((h) => h.online),
    );
    const container = await waitFor(
      () => `the container to be listed\n${start.output}`,
      async () => await admin.get<ContainerView>(`/api/hosts/${host.id}/containers/${containerId}`),
    );
    expect(container.state).toBe("running");
    // The local agent got its token in the environment: nothing names one in argv (`ps`).
    const running = processesMentioning(dataDir);
    expect(running.some((cmdline) => cmdline.includes("apps/agent/src/main.ts"))).toBe(true);
    expect(running.filter((cmdline) => cmdline.includes("--token"))).toEqual([]);

    const login = await fetch(`${baseUrl}/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain("Crowsnest");
  });

  it("stops the server and the agent with it", async () => {
    await start.kill("SIGTERM");
    await expect(fetch(`${baseUrl}/api/health`)).rejects.toThrow();
    expect(processesMentioning(dataDir)).toEqual([]);
  });
});
