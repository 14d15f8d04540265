/**
 * End-to-end, issue 13's live target in the browser, under a live log tail: the page's network is
 * cut while the agent goes on delivering (the page, reconnected, fills in from the store what went
 * by), then the server is killed (the agent resends what was relayed but not acked, relayed again:
 * the page drops the repeats). Built dashboard, real server, agent, Engine, Chromium; the page
 * reaches the server through a TCP proxy that the test cuts. Every line of the container appears
 * once, in order, with no gap; and what Docker changed while the page was cut off (a rename, which
 * no later message repeats) is shown once it is back. The host page keeps a rename relayed while
 * its read of the containers was under way, though the read answers with the name before it
 * (use-read.ts's wiring of ReadResync).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerView } from "@crowsnest/protocol";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboardIfStale, WEB_DIR } from "../../../scripts/dashboard-build.ts";
import { ApiClient } from "../../../test/support/api-client.ts";
import { launchChromium, loginPage } from "../../../test/support/browser.ts";
import { numberedLinesScript, removeLabelled, runTestContainer } from "../../../test/support/containers.ts";
import { docker, requireDockerEngine } from "../../../test/support/docker-cli.ts";
import {
  ADMIN_PASSWORD,
  type ManagedProcess,
  ServerProcess,
  startAgent,
  waitFor,
} from "../../../test/support/processes.ts";
import { TcpProxy } from "../../../test/support/tcp-proxy.ts";

const LABEL = "crowsnest.test=web-live-reconnect";

describe("the live log tail across a server restart", () => {
  let dataDir: string;
  let server: ServerProcess;
  let agent: ManagedProcess;
  let browser: Browser;
  let hostId: string;
  /** The page's way to the server. */
  let network: TcpProxy;

  beforeAll(async () => {
    await requireDockerEngine();
    buildDashboardIfStale((message) => console.log(message));
    dataDir = mkdtempSync(join(tmpdir(), "crowsnest-web-reconnect-"));
    server = await ServerProcess.start({ dataDir, env: { CROWSNEST_WEB_DIR: WEB_DIR } });
    await removeLabelled(LABEL);
    const host = await server.addHost("web-reconnect-host");
    hostId = host.hostId;
    agent = startAgent({ serverUrl: server.agentUrl, token: host.token, stateDir: join(dataDir, "agent") });
    network = await TcpProxy.start(server.options.port);
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await network?.close();
    await agent?.kill();
    await server?.stop();
    await removeLabelled(LABEL);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** The numbers of the lines the log view holds, as its Download button saves them. */
  async function shownNumbers(page: Page): Promise<{ numbers: number[]; text: string }> {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("log-download").click(),
    ]);
    const text = readFileSync((await download.path()) as string, "utf8");
    const numbers = text
      .split("\n")
      .map((line) => /L (\d+)$/.exec(line)?.[1])
      .filter((n) => n !== undefined)
      .map(Number);
    return { numbers, text };
  }

  it("shows every line once and in order, without a gap, after a network cut and a server crash", async () => {
    const baseUrl = `http://127.0.0.1:${network.port}`;
    const page = await loginPage(browser, baseUrl, "admin", ADMIN_PASSWORD, "/fleet");
    const id = await runTestContainer(LABEL, numberedLinesScript(20));
    await page.goto(`${baseUrl}/fleet/${encodeURIComponent(hostId)}/${id}`);
    await page.getByTestId("logs").waitFor();
    const last = async () => (await shownNumbers(page)).numbers.at(-1) ?? 0;
    const expectEachOnce = async () => {
      const { numbers, text } = await shownNumbers(page);
      const first = numbers[0] as number;
      expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => first + i));
      expect(text).not.toContain("not shown");
    };
    await waitFor("lines on the live tail", async () => (await last()) >= 20);

    // The page is cut off for at least 3 s (60 lines), the agent and the server carry on; the
    // container is renamed meanwhile.
    const api = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    const name = `renamed-${id.slice(0, 12)}`;
    network.cut();
    const atCut = await last();
    const cutFor = new Promise((resolve) => setTimeout(resolve, 3_000));
    await docker("rename", id, name);
    await waitFor("the server to know the new name", async () => {
      const view = await api.get<ContainerView>(`/api/hosts/${hostId}/containers/${id}`);
      return view.names.includes(name);
    });
    await cutFor;
    expect(await page.getByTestId("container-name").textContent()).not.toContain(name);
    network.restore();
    await waitFor("the live tail after the cut", async () => (await last()) >= atCut + 100, 60_000);
    await expectEachOnce();
    // Read again once resubscribed: the agent sends no inventory unless its own event stream broke.
    await expect
      .poll(() => page.getByTestId("container-name").textContent(), { timeout: 10_000 })
      .toContain(name);

    // The server dies with batches relayed and not acked: the agent resends them to the next one.
    await server.process.kill("SIGKILL");
    const atKill = await last();
    await server.restart();
    await waitFor("the live tail after the crash", async () => (await last()) >= atKill + 100, 60_000);
    await expectEachOnce();
    await page.context().close();
  });

  it("keeps a rename relayed while the host page read its containers, the read's answer older", async () => {
    const id = await runTestContainer(LABEL, numberedLinesScript(1));
    const api = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    await waitFor("the server to know the container", async () =>
      api.get<ContainerView>(`/api/hosts/${hostId}/containers/${id}`).then(
        () => true,
        () => false,
      ),
    );
    const page = await loginPage(browser, server.baseUrl, "admin", ADMIN_PASSWORD, "/fleet");
    // Every read of the host's containers is answered as of its arrival, but only once the rename
    // below has reached the page's live socket: each answer lacks the rename the page was sent.
    let held = 0;
    let release = () => {};
    const renamed = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(`**/api/hosts/${hostId}/containers`, async (route) => {
      const response = await route.fetch();
      held++;
      await renamed;
      // A read the page gave up (the read again on `subscribed` aborts the first) has no taker.
      await route.fulfill({ response }).catch(() => undefined);
    });
    const name = `read-meanwhile-${id.slice(0, 12)}`;
    const framesWithName: string[] = [];
    page.on("websocket", (ws) =>
      ws.on("framereceived", ({ payload }) => {
        if (String(payload).includes(name)) framesWithName.push(String(payload));
      }),
    );
    await page.goto(`${server.baseUrl}/fleet/${encodeURIComponent(hostId)}`);
    // The read on mount, then the read once the host topic's subscription took effect.
    await waitFor("both reads to be held", async () => held >= 2);
    await docker("rename", id, name);
    await waitFor("the rename on the page's live socket", async () => framesWithName.length > 0);
    release();
    await expect
      .poll(() => page.locator(`[data-testid="host-container-row"][data-container="${name}"]`).count(), {
        timeout: 10_000,
      })
      .toBe(1);
    await page.context().close();
  });
});
