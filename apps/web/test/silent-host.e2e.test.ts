/**
 * End-to-end, real Engine + server + agent + Chromium (issue 11, findings 3 and 5):
 * - a container whose logging driver Docker cannot read back is shown as such, with the Engine's
 *   reason, instead of as a container that printed nothing; the agent does not keep asking, and
 *   metrics and actions work as usual;
 * - when the agent goes silent (SIGSTOP), the figures it sent last are shown as stale, with their
 *   time, on the fleet, host and container pages and in the API, and live again once it is back.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ActionResponse, ContainerView, Host } from "@crowsnest/protocol";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboardIfStale, WEB_DIR } from "../../../scripts/dashboard-build.ts";
import { ApiClient } from "../../../test/support/api-client.ts";
import { launchChromium, loginPage } from "../../../test/support/browser.ts";
import { removeLabelled, runTestContainer } from "../../../test/support/containers.ts";
import { requireDockerEngine } from "../../../test/support/docker-cli.ts";
import {
  ADMIN_PASSWORD,
  type ManagedProcess,
  ServerProcess,
  startAgent,
  waitFor,
} from "../../../test/support/processes.ts";
import { RecordingProxy } from "../../agent/test/helpers/recording-proxy.ts";

const LABEL = "crowsnest.test=web-silent-host";
/** What Engine 20.10 answers a logs request for a driver it cannot read back (status 501). */
const ENGINE_REASON = "configured logging driver does not support reading";
/** GELF over UDP to a port nobody listens on: Docker sends and forgets, so the container runs. */
const GELF = ["--log-driver", "gelf", "--log-opt", "gelf-address=udp://127.0.0.1:12201"];

describe("logs Docker cannot read back, and a host that went silent", () => {
  let dataDir: string;
  let server: ServerProcess;
  let agent: ManagedProcess;
  /** Between the agent and Docker: what the agent asked the Engine for. */
  const proxy = new RecordingProxy();
  let browser: Browser;
  let api: ApiClient;
  let hostId: string;
  /** --log-driver none. */
  let silentId: string;
  /** gelf with dual logging's cache disabled: the Engine cannot read it back either. */
  let uncachedId: string;
  /** gelf with the cache (Engine 20.10's default): the Engine reads it back, so the logs are shown. */
  let cachedId: string;

  const container = (id: string) => api.get<ContainerView>(`/api/hosts/${hostId}/containers/${id}`);
  const page = (path: string): Promise<Page> =>
    loginPage(browser, server.baseUrl, "admin", ADMIN_PASSWORD, path);

  beforeAll(async () => {
    await requireDockerEngine();
    buildDashboardIfStale((message) => console.log(message));
    dataDir = mkdtempSync(join(tmpdir(), "crowsnest-web-silent-"));
    // Heartbeats every second: a silent agent is offline after a few seconds instead of ~30.
    server = await ServerProcess.start({
      dataDir,
      env: { CROWSNEST_WEB_DIR: WEB_DIR, CROWSNEST_HEARTBEAT_MS: "1000" },
    });
    api = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    await removeLabelled(LABEL);
    silentId = await runTestContainer(LABEL, "echo invisible; sleep 3600", ["--log-driver", "none"]);
    uncachedId = await runTestContainer(LABEL, "echo invisible; sleep 3600", [
      ...GELF,
      "--log-opt",
      "cache-disabled=true",
    ]);
    cachedId = await runTestContainer(LABEL, "echo visible; sleep 3600", GELF);
    const host = await server.addHost("silent-host");
    hostId = host.hostId;
    const socket = join(dataDir, "docker.sock");
    await proxy.listen(socket);
    agent = startAgent({
      serverUrl: server.agentUrl,
      token: host.token,
      stateDir: join(dataDir, "agent"),
      args: ["--docker-host", `unix://${socket}`],
    });
    await waitFor(
      () => `a sample of every container\n${agent.output}`,
      async () => {
        const views = await Promise.all([silentId, uncachedId, cachedId].map(container)).catch(() => []);
        return views.length === 3 && views.every((v) => v.latest !== null);
      },
      60_000,
    );
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    if (agent?.running) process.kill(agent.pid, "SIGCONT");
    await browser?.close();
    await agent?.kill();
    await server?.stop();
    await proxy.close();
    await removeLabelled(LABEL);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("carries each container's log driver and says, in the Engine's words, which logs cannot be read", async () => {
    expect((await container(silentId)).logs).toEqual({ driver: "none", unreadable: ENGINE_REASON });
    expect((await container(uncachedId)).logs).toEqual({ driver: "gelf", unreadable: ENGINE_REASON });
    expect((await container(cachedId)).logs).toEqual({ driver: "gelf", unreadable: null });
    // The readable one's output arrives; the agent never tried to follow the others (no retries).
    await waitFor(
      "the cached gelf container's line",
      async () => (await api.allLogLines(hostId, cachedId)).some((l) => l.text === "visible"),
      30_000,
    );
    expect(await api.allLogLines(hostId, silentId)).toEqual([]);

    // Actions work as usual; the restarted container is still known to be unreadable, still not followed.
    const startedBefore = (await container(silentId)).startedAt;
    const restarted = await api.post<ActionResponse>(`/api/hosts/${hostId}/containers/${silentId}/actions`, {
      action: "restart",
      options: { timeoutSeconds: 0 },
    });
    expect(restarted.outcome).toMatchObject({ ok: true });
    const after = await waitFor("the restart to reach the inventory", async () => {
      const view = await container(silentId);
      return view.state === "running" && view.startedAt !== startedBefore ? view : null;
    });
    expect(after.logs).toEqual({ driver: "none", unreadable: ENGINE_REASON });
    // The agent asked the Engine once per container (no lines, no follow), before and after the restart.
    const logRequests = (id: string) =>
      proxy.requests.filter((r) => r.path.startsWith(`/containers/${id}/logs?`));
    for (const id of [silentId, uncachedId]) {
      expect(logRequests(id).map((r) => r.path)).toEqual([`/containers/${id}/logs?stdout=1&stderr=1&tail=0`]);
    }
    expect(logRequests(cachedId).some((r) => r.path.includes("follow=1"))).toBe(true);

    const p = await page(`/fleet/${encodeURIComponent(hostId)}/${silentId}`);
    const notice = p.getByTestId("logs-unreadable");
    await expect.poll(() => notice.textContent(), { timeout: 20_000 }).toContain(ENGINE_REASON);
    expect(await notice.textContent()).toContain("none");
    expect(await p.getByTestId("log-driver").textContent()).toBe("none");
    expect(await p.getByTestId("logs").count()).toBe(0);
    // Metrics are there as for any other container.
    await expect.poll(() => p.getByTestId("container-memory").textContent()).toMatch(/used/);

    const readable = await page(`/fleet/${encodeURIComponent(hostId)}/${cachedId}`);
    await expect
      .poll(() => readable.getByTestId("log-line").allTextContents(), { timeout: 20_000 })
      .toEqual(expect.arrayContaining([expect.stringContaining("visible")]));
    expect(await readable.getByTestId("logs-unreadable").count()).toBe(0);
    for (const opened of [p, readable]) await opened.context().close();
  }, 120_000);

  it("shows the figures of a host whose agent went silent as stale, with their time, and live again when it is back", async () => {
    const hostPath = `/fleet/${encodeURIComponent(hostId)}`;
    const pages = {
      fleet: await page("/fleet"),
      host: await page(hostPath),
      container: await page(`${hostPath}/${silentId}`),
    };
    // Figures shown, live: no stale mark anywhere yet.
    const figures = { fleet: "host-cpu", host: "host-cpu", container: "container-cpu" } as const;
    for (const [name, p] of Object.entries(pages) as [keyof typeof pages, Page][]) {
      await expect.poll(() => p.getByTestId(figures[name]).count(), { timeout: 20_000 }).toBeGreaterThan(0);
      expect(await p.getByTestId("stale-figures").count()).toBe(0);
    }

    process.kill(agent.pid, "SIGSTOP");
    const stoppedAt = Date.now();
    const offline = await waitFor(
      "the host to go offline",
      async () => {
        const host = await api.host(hostId);
        return host.online ? null : (host as Host);
      },
      30_000,
    );
    const view = await container(silentId);
    expect(offline.figuresStale).toBe(true);
    expect(offline.figuresAt).not.toBeNull();
    expect(offline.figuresAt).toBeLessThanOrEqual(stoppedAt);
    expect(view.latestStale).toBe(true);
    expect(view.latest?.t).toBeLessThanOrEqual(stoppedAt);
    const listed = await api.get<ContainerView[]>(`/api/hosts/${hostId}/containers`);
    expect(listed.every((c) => c.latestStale)).toBe(true);

    // Every page marks the figures stale with the time of the sample they come from.
    const staleAt = async (p: Page) => {
      const marks = p.getByTestId("stale-figures");
      await expect.poll(() => marks.count(), { timeout: 20_000 }).toBeGreaterThan(0);
      expect(await marks.first().textContent()).toMatch(/^stale: as of /);
      return Number(await marks.first().getAttribute("data-at"));
    };
    expect(await staleAt(pages.container)).toBe(view.latest?.t);
    expect(await pages.container.getByTestId("container-cpu").getAttribute("class")).toBe("stale");
    for (const p of [pages.fleet, pages.host]) {
      const at = await staleAt(p);
      expect(at).toBeGreaterThan(0);
      expect(at).toBeLessThanOrEqual(stoppedAt);
      expect(await p.getByTestId("host-cpu").first().getAttribute("class")).toBe("stale");
    }

    // Back: the agent reconnects, sends new samples, and the marks go.
    process.kill(agent.pid, "SIGCONT");
    await waitFor("the host to come back", async () => (await api.host(hostId)).online, 60_000);
    for (const p of Object.values(pages)) {
      await expect.poll(() => p.getByTestId("stale-figures").count(), { timeout: 30_000 }).toBe(0);
      await p.context().close();
    }
    expect((await api.host(hostId)).figuresStale).toBe(false);
    expect((await container(silentId)).latestStale).toBe(false);
  }, 180_000);
});
