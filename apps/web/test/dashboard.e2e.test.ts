/**
 * End-to-end: the built dashboard served by a real crowsnest-server, fed by a real agent
 * watching the real Docker Engine, driven in Debian's Chromium with playwright-core.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboardIfStale, WEB_DIR } from "../../../scripts/dashboard-build.ts";
import { ApiClient } from "../../../test/support/api-client.ts";
import { launchChromium, loginPage as login } from "../../../test/support/browser.ts";
import { removeLabelled, runContainer, runTestContainer } from "../../../test/support/containers.ts";
import { requireDockerEngine } from "../../../test/support/docker-cli.ts";
import {
  ADMIN_PASSWORD,
  type ManagedProcess,
  ROOT,
  ServerProcess,
  startAgent,
  waitFor,
} from "../../../test/support/processes.ts";

const ARTIFACTS = join(ROOT, "test-artifacts", "web");
const LABEL = "crowsnest.test=web-e2e";
/** The host-network container's own label, so that it stays out of the label filter's rows below. */
const HOST_NETWORK_LABEL = "crowsnest.test-network=web-e2e";
const PASSWORD = "password-for-e2e-users";
const WIDTHS = [
  { name: "desktop", width: 1280, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;

/** Writes a line every 200 ms: ANSI colours, an HTML payload that must stay text, and stderr. */
const TICKER = [
  "i=0; while :; do i=$((i+1));",
  "printf '\\033[32mINFO\\033[0m tick %s <img src=x onerror=window.__xss=1> <script>window.__xss2=1</script>\\n' $i;",
  '[ $((i % 5)) -eq 0 ] && echo "warn $i" >&2;',
  "usleep 200000; done",
].join(" ");

// A missing Chromium fails the suite (launchChromium says how to install it); it is never skipped.
describe("dashboard in a real browser", () => {
  let dataDir: string;
  let server: ServerProcess;
  let agent: ManagedProcess;
  let browser: Browser;
  let admin: ApiClient;
  let hostId: string;
  let tickerId: string;
  let protectedId: string;
  let hostNetworkId: string;
  const contexts: BrowserContext[] = [];

  async function loginPage(username: string, password: string, path: string): Promise<Page> {
    const page = await login(browser, server.baseUrl, username, password, path);
    contexts.push(page.context());
    return page;
  }

  const containerPath = (id: string) => `/fleet/${encodeURIComponent(hostId)}/${id}`;

  async function screenshots(page: Page, name: string): Promise<void> {
    for (const size of WIDTHS) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(ARTIFACTS, `${name}-${size.name}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  beforeAll(async () => {
    await requireDockerEngine();
    buildDashboardIfStale((message) => console.log(message));
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), "crowsnest-web-e2e-"));
    server = await ServerProcess.start({ dataDir, env: { CROWSNEST_WEB_DIR: WEB_DIR } });
    admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    for (const [username, role] of [
      ["oper", "OPERATOR"],
      ["viewer", "VIEWER"],
    ] as const) {
      const res = await fetch(`${server.baseUrl}/api/users`, {
        method: "POST",
        headers: { cookie: admin.cookie, "content-type": "application/json", origin: server.baseUrl },
        body: JSON.stringify({ username, password: PASSWORD, role }),
      });
      expect(res.status, await res.clone().text()).toBe(201);
    }
    await removeLabelled(LABEL);
    tickerId = await runTestContainer(LABEL, TICKER, ["--name", `web-e2e-ticker-${process.pid}`]);
    protectedId = await runTestContainer(LABEL, "while :; do echo guarded; sleep 1; done", [
      "--name",
      `web-e2e-protected-${process.pid}`,
      "--label",
      "com.docker.dashboard.protected=true",
    ]);
    await removeLabelled(HOST_NETWORK_LABEL);
    hostNetworkId = await runContainer({
      label: HOST_NETWORK_LABEL,
      network: "host",
      command: ["sleep", "1000"],
    });
    const host = await server.addHost("web-e2e-host");
    hostId = host.hostId;
    agent = startAgent({ serverUrl: server.agentUrl, token: host.token, stateDir: join(dataDir, "agent") });
    await waitFor(
      () => `the containers reported by the agent\n${agent.output}`,
      async () => {
        const list = await admin.get<unknown[]>(`/api/hosts/${hostId}/containers`);
        const ids = new Set((list as { id: string }[]).map((c) => c.id));
        return ids.has(tickerId) && ids.has(protectedId) && ids.has(hostNetworkId);
      },
      60_000,
    );
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await agent?.kill();
    await server?.stop();
    await removeLabelled(LABEL);
    await removeLabelled(HOST_NETWORK_LABEL);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("shows a host-network container's network as host network, never the host's traffic as its own", async () => {
    const page = await loginPage("viewer", PASSWORD, containerPath(hostNetworkId));
    const note = page.getByTestId("chart-net-note");
    await expect.poll(() => note.textContent(), { timeout: 20_000 }).toContain("host network");
    expect(await page.getByTestId("chart-net").locator(".chart-box").isVisible()).toBe(false);
    await expect.poll(() => page.getByTestId("container-network").textContent()).toContain("host network");
    await screenshots(page, "container-host-network");
    // A container with its own (empty) network namespace shows figures, as docker stats does.
    await page.goto(`${server.baseUrl}${containerPath(tickerId)}`);
    await expect.poll(() => page.getByTestId("container-network").textContent()).toContain("received");
    expect(await page.getByTestId("chart-net-note").count()).toBe(0);
  });

  it("sends a visitor without a session to log in, then back to the page they asked for", async () => {
    const page = await loginPage("oper", PASSWORD, containerPath(tickerId));
    expect(new URL(page.url()).pathname).toBe(containerPath(tickerId));
    await expect.poll(() => page.getByTestId("user-role").textContent()).toBe("OPERATOR");
    // The user menu shows who is signed in, closes on Escape, and logs out.
    const menu = page.getByTestId("user-menu");
    const isOpen = async () => (await menu.getAttribute("open")) !== null;
    await page.getByTestId("user-name").click();
    await expect.poll(() => page.getByTestId("logout").isVisible()).toBe(true);
    await page.keyboard.press("Escape");
    await expect.poll(isOpen).toBe(false);
    // The server ends the session at once but its answer is held back a second: meanwhile the
    // session's end closes the live socket, which must not start a navigation of its own (two
    // navigations abort each other, or the next user is sent to the page this one left).
    await page.route("**/api/auth/logout", async (route) => {
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await route.fulfill({ response });
    });
    await page.getByTestId("user-name").click();
    await page.getByTestId("logout").click();
    await page.waitForURL((u) => u.pathname === "/login");
    expect(new URL(page.url()).search).toBe("");
    expect((await page.request.get(`${server.baseUrl}/api/me`)).status()).toBe(401);
    await page.context().close();
  });

  it("sends a user whose session ended to log in, then back to the same view", async () => {
    const path = containerPath(tickerId);
    const page = await loginPage("viewer", PASSWORD, path);
    await page.getByTestId("range-1h").click();
    await page.waitForURL((u) => u.searchParams.get("range") === "1h");
    // A change to the account ends its sessions and closes its live socket, as expiry would.
    const users = await admin.get<{ id: string; username: string }[]>("/api/users");
    const viewer = users.find((u) => u.username === "viewer");
    const res = await fetch(`${server.baseUrl}/api/users/${viewer?.id}`, {
      method: "PATCH",
      headers: { cookie: admin.cookie, "content-type": "application/json", origin: server.baseUrl },
      body: JSON.stringify({ role: "VIEWER" }),
    });
    expect(res.status).toBe(200);
    // Polled: the closed socket and a failing request may both start the same navigation.
    await expect
      .poll(() => new URL(page.url()).searchParams.get("next"), { timeout: 30_000 })
      .toBe(`${path}?range=1h`);
    await page.getByTestId("login-username").waitFor();
    await page.getByTestId("login-username").fill("viewer");
    await page.getByTestId("login-password").fill(PASSWORD);
    await page.getByTestId("login-submit").click();
    await page.waitForURL((u) => u.pathname === path && u.searchParams.get("range") === "1h");
    expect(await page.getByTestId("range-1h").getAttribute("aria-pressed")).toBe("true");
    await page.context().close();
  });

  it("keeps filters, sort, range and search in the URL, so a reload shows the same view", async () => {
    const page = await loginPage("oper", PASSWORD, "/fleet");
    const rows = page.getByTestId("fleet-row");
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBeGreaterThan(1);
    await page.getByTestId("filter-label").fill(LABEL);
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByTestId("filter-name").fill("ticker");
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByTestId("sort-cpu").click();
    // Every change reaches the URL, whichever order the debounced boxes and the click commit in.
    await page.waitForURL(
      (u) =>
        u.searchParams.get("sort") === "cpu" &&
        u.searchParams.get("label") === LABEL &&
        u.searchParams.get("name") === "ticker",
    );
    const url = new URL(page.url());
    expect(url.searchParams.get("label")).toBe(LABEL);
    expect(url.searchParams.get("name")).toBe("ticker");
    expect(url.searchParams.get("dir")).toBe("desc");
    await page.reload();
    await expect.poll(() => page.getByTestId("filter-label").inputValue()).toBe(LABEL);
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(1);
    expect(await rows.first().getAttribute("data-container")).toBe(`web-e2e-ticker-${process.pid}`);
    expect(await page.getByTestId("sort-cpu").textContent()).toContain("▼");

    // The log search (stored history included) is highlighted and kept in the URL too.
    await page.goto(`${server.baseUrl}${containerPath(tickerId)}?q=tick&range=6h`);
    await expect.poll(() => page.getByTestId("log-search").inputValue()).toBe("tick");
    expect(await page.getByTestId("range-6h").getAttribute("aria-pressed")).toBe("true");
    const marks = page.getByTestId("log-line").locator("mark");
    await expect.poll(() => marks.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect((await marks.first().textContent())?.toLowerCase()).toBe("tick");
    await page.getByTestId("log-stream").selectOption("stderr");
    await page.waitForURL((u) => u.searchParams.get("stream") === "stderr");
    await page.context().close();
  });

  it("shows new chart points and log lines arriving live, without reloading or re-creating the charts", async () => {
    const page = await loginPage("oper", PASSWORD, containerPath(tickerId));
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const status = page.getByTestId("chart-status");
    await expect.poll(() => status.getAttribute("data-points"), { timeout: 20_000 }).not.toBe("0");
    const points0 = Number(await status.getAttribute("data-points"));
    await expect.poll(() => page.getByTestId("log-line").count(), { timeout: 20_000 }).toBeGreaterThan(0);
    const lastLine = async () => (await page.getByTestId("log-line").last().textContent()) ?? "";
    const tick = async () => Number(/tick (\d+)/.exec(await lastLine())?.[1] ?? 0);
    const tick0 = await tick();
    const navigations: string[] = [];
    page.on("framenavigated", (f) => navigations.push(f.url()));

    await expect
      .poll(async () => Number(await status.getAttribute("data-points")), { timeout: 20_000 })
      .toBeGreaterThan(points0 + 1);
    await expect.poll(tick, { timeout: 20_000 }).toBeGreaterThan(tick0 + 3);
    expect(navigations).toEqual([]);
    // Each chart was created once and then updated in place.
    for (const id of ["chart-cpu", "chart-mem", "chart-net", "chart-blk"]) {
      expect(await page.getByTestId(id).locator(".chart-box").getAttribute("data-created")).toBe("1");
      expect(await page.getByTestId(id).locator("canvas").count()).toBe(1);
    }
    // ANSI colours became styled spans.
    expect(await page.getByTestId("log-line").last().locator(".ansi-fg-2").first().textContent()).toBe(
      "INFO",
    );
    expect(errors).toEqual([]);
    await screenshots(page, "container");
    await page.context().close();
  });

  it("renders HTML in log lines as text and runs none of it", async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const dialogs: string[] = [];
    const page = await context.newPage();
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${server.baseUrl}/login?next=${encodeURIComponent(containerPath(tickerId))}`);
    await page.getByTestId("login-username").fill("viewer");
    await page.getByTestId("login-password").fill(PASSWORD);
    await page.getByTestId("login-submit").click();
    await page.waitForURL((u) => u.pathname === containerPath(tickerId));
    const line = page.getByTestId("log-line").filter({ hasText: "tick" }).last();
    await expect
      .poll(() => line.textContent(), { timeout: 20_000 })
      .toContain("<img src=x onerror=window.__xss=1>");
    expect(await line.textContent()).toContain("<script>window.__xss2=1</script>");
    expect(await page.getByTestId("log-list").locator("img, script").count()).toBe(0);
    const ran = await page.evaluate("[window.__xss ?? null, window.__xss2 ?? null]");
    expect(ran).toEqual([null, null]);
    expect(dialogs).toEqual([]);
    await context.close();
  });

  it("gives a VIEWER no enabled action", async () => {
    const page = await loginPage("viewer", PASSWORD, containerPath(tickerId));
    const buttons = page.getByTestId("action-menu").locator("button");
    await expect.poll(() => buttons.count()).toBe(7);
    for (let i = 0; i < 7; i++) {
      expect(await buttons.nth(i).isDisabled()).toBe(true);
      expect(await buttons.nth(i).getAttribute("data-reason")).toMatch(/VIEWER/);
    }
    await page.context().close();
  });

  it("disables stop on a protected container for an OPERATOR, and the API refuses it too", async () => {
    const page = await loginPage("oper", PASSWORD, containerPath(protectedId));
    const stop = page.getByTestId("action-stop");
    await expect.poll(() => stop.isDisabled()).toBe(true);
    expect(await stop.getAttribute("data-reason")).toMatch(/protected/i);
    expect(await page.getByTestId("reason-stop").textContent()).toMatch(/only an ADMIN/);
    expect(await page.getByTestId("protected-badge").first().isVisible()).toBe(true);
    // The same request sent straight to the API with this session.
    const res = await page.request.post(
      `${server.baseUrl}/api/hosts/${hostId}/containers/${protectedId}/actions`,
      { data: { action: "stop", options: {} }, headers: { origin: server.baseUrl } },
    );
    expect(res.status()).toBe(403);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("forbidden");
    await page.context().close();
  });

  it("lets an ADMIN stop it: the state changes on the page and the audit log records both attempts", async () => {
    const page = await loginPage("admin", ADMIN_PASSWORD, containerPath(protectedId));
    const state = page.getByTestId("container-state");
    await expect.poll(() => state.textContent()).toBe("running");
    await screenshots(page, "container-protected");
    await page.getByTestId("action-stop").click();
    await page.getByTestId("confirm-yes").click();
    await expect
      .poll(() => page.getByTestId("action-result").textContent(), { timeout: 40_000 })
      .toMatch(/^stop: /);
    await expect.poll(() => state.textContent(), { timeout: 30_000 }).toBe("exited");

    await page.goto(`${server.baseUrl}/audit?container=${protectedId}`);
    const rows = page.getByTestId("audit-row");
    // The denied attempt, then the admin's: allowed before the command left, succeeded after.
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    const seen = await rows.evaluateAll((trs) =>
      trs.map(
        (tr) => `${tr.getAttribute("data-action")}:${tr.getAttribute("data-result")}:${tr.textContent}`,
      ),
    );
    expect(seen.some((r) => r.startsWith("stop:denied:") && r.includes("oper"))).toBe(true);
    expect(seen.some((r) => r.startsWith("stop:allowed:") && r.includes("admin"))).toBe(true);
    expect(seen.some((r) => r.startsWith("stop:succeeded:") && r.includes("admin"))).toBe(true);
    await screenshots(page, "audit");
    await page.context().close();
  });

  it("screenshots every page at 1280 px and at phone width", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/login`);
    await screenshots(page, "login");
    await page.getByTestId("login-username").fill("admin");
    await page.getByTestId("login-password").fill(ADMIN_PASSWORD);
    await page.getByTestId("login-submit").click();
    await page.waitForURL((u) => u.pathname === "/fleet");
    await expect.poll(() => page.getByTestId("fleet-row").count(), { timeout: 10_000 }).toBeGreaterThan(1);
    await screenshots(page, "fleet");
    await page.goto(`${server.baseUrl}/fleet/${hostId}`);
    await expect.poll(() => page.getByTestId("host-container-row").count()).toBeGreaterThan(1);
    await screenshots(page, "host");
    await page.goto(`${server.baseUrl}/admin/users`);
    await expect.poll(() => page.getByTestId("user-row").count()).toBe(3);
    await screenshots(page, "admin-users");
    await page.goto(`${server.baseUrl}/admin/hosts`);
    await page.getByTestId("enrol-name").fill("another-host");
    await page.getByTestId("enrol-submit").click();
    await expect.poll(() => page.getByTestId("enrolment-token").inputValue()).not.toBe("");
    expect(await page.getByTestId("enrolment-command").inputValue()).toContain(
      await page.getByTestId("enrolment-token").inputValue(),
    );
    await screenshots(page, "admin-hosts");
    // Dark theme too.
    await page.getByTestId("theme-toggle").click();
    await page.getByTestId("theme-toggle").click();
    expect(await page.evaluate("document.documentElement.dataset.theme")).toBe("dark");
    await page.goto(`${server.baseUrl}${containerPath(tickerId)}`);
    await expect.poll(() => page.getByTestId("log-line").count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await screenshots(page, "container-dark");
    await context.close();
  });
});
