/**
 * End-to-end, in Debian's Chromium against the built dashboard served by a real crowsnest-server
 * with a real agent on the real Docker Engine: a hostile `next=` after sign-in (issue 22, finding 3)
 * and a protected label spelled other than `=true` (finding 7).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboardIfStale, WEB_DIR } from "../../../scripts/dashboard-build.ts";
import { ApiClient } from "../../../test/support/api-client.ts";
import { launchChromium, loginPage } from "../../../test/support/browser.ts";
import { removeLabelled, runContainer } from "../../../test/support/containers.ts";
import { requireDockerEngine } from "../../../test/support/docker-cli.ts";
import {
  ADMIN_PASSWORD,
  type ManagedProcess,
  ServerProcess,
  startAgent,
  waitFor,
} from "../../../test/support/processes.ts";

// A missing Chromium fails the suite (launchChromium says how to install it); it is never skipped.
const LABEL = "crowsnest.test=web-e2e-hostile";
const OPERATOR_PASSWORD = "password-for-e2e-operator";
const EVIL = "evil.example";

describe("hostile input in a real browser", () => {
  let dataDir: string;
  let server: ServerProcess;
  let agent: ManagedProcess;
  let browser: Browser;
  let hostId: string;
  let guardedId: string;

  beforeAll(async () => {
    await requireDockerEngine();
    buildDashboardIfStale((message) => console.log(message));
    dataDir = mkdtempSync(join(tmpdir(), "crowsnest-web-hostile-"));
    server = await ServerProcess.start({ dataDir, env: { CROWSNEST_WEB_DIR: WEB_DIR } });
    const admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    const created = await fetch(`${server.baseUrl}/api/users`, {
      method: "POST",
      headers: { cookie: admin.cookie, origin: server.baseUrl, "content-type": "application/json" },
      body: JSON.stringify({ username: "oper", password: OPERATOR_PASSWORD, role: "OPERATOR" }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    await removeLabelled(LABEL);
    guardedId = await runContainer({
      label: LABEL,
      args: ["--label", "com.docker.dashboard.Protected= TRUE"],
      command: ["sleep", "1000"],
    });
    const host = await server.addHost("web-e2e-hostile-host");
    hostId = host.hostId;
    agent = startAgent({ serverUrl: server.agentUrl, token: host.token, stateDir: join(dataDir, "agent") });
    await waitFor(
      () => `the container reported by the agent\n${agent.output}`,
      async () => {
        const list = await admin.get<{ id: string }[]>(`/api/hosts/${hostId}/containers`);
        return list.some((c) => c.id === guardedId);
      },
      60_000,
    );
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.kill();
    await server?.stop();
    await removeLabelled(LABEL);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * Opens the login page with `next` as written in the address bar, signs in, and returns the page
   * where the browser landed. A request to the evil host is answered locally, so a regression
   * shows as a landing there rather than as a DNS failure.
   */
  async function signInWithNext(username: string, password: string, rawNext: string): Promise<Page> {
    const context = await browser.newContext();
    await context.route(
      (url) => url.hostname === EVIL,
      (route) => route.fulfill({ status: 200, body: "evil" }),
    );
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/login?next=${rawNext}`);
    await page.getByTestId("login-username").fill(username);
    await page.getByTestId("login-password").fill(password);
    await page.getByTestId("login-submit").click();
    await page.waitForURL((url) => url.pathname !== "/login", { timeout: 60_000 });
    return page;
  }

  it.each([
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0d/evil.example",
    "/%09%5Cevil.example",
    "//evil.example",
    "https://evil.example/",
  ])("lands on its own /fleet after signing in with next=%s", async (rawNext) => {
    const page = await signInWithNext("oper", OPERATOR_PASSWORD, rawNext);
    const landed = new URL(page.url());
    expect(landed.origin).toBe(server.baseUrl);
    expect(landed.pathname).toBe("/fleet");
    await page.context().close();
  });

  it("lands on a legitimate next=/audit", async () => {
    const page = await signInWithNext("admin", ADMIN_PASSWORD, "/audit");
    const landed = new URL(page.url());
    expect(landed.origin).toBe(server.baseUrl);
    expect(landed.pathname).toBe("/audit");
    await page.context().close();
  });

  it("shows an OPERATOR the label spelled com.docker.dashboard.Protected= TRUE as written, and that it protects", async () => {
    const path = `/fleet/${encodeURIComponent(hostId)}/${guardedId}`;
    const page = await loginPage(browser, server.baseUrl, "oper", OPERATOR_PASSWORD, path);
    const stop = page.getByTestId("action-stop");
    await expect.poll(() => stop.isDisabled()).toBe(true);
    expect(await stop.getAttribute("data-reason")).toMatch(/protected/i);
    expect(await page.getByTestId("action-pause").getAttribute("data-reason")).toMatch(/protected/i);
    expect(await page.getByTestId("protected-badge").first().isVisible()).toBe(true);
    expect(await page.getByTestId("protected-by").textContent()).toContain(
      'com.docker.dashboard.Protected=" TRUE"',
    );
    expect(await page.getByTestId("label-protects").count()).toBe(1);
    await page.context().close();
  });
});
