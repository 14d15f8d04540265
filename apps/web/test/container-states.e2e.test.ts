/**
 * End-to-end (issue 24, items 4–6): a real `--restart always` crash loop, a real remove, a
 * container that ignores SIGTERM, phone and desktop widths, tab titles and the two sign-outs, in
 * Chromium against the built dashboard, a real server, a real agent and the real Docker Engine.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerEventsResponse, ContainerView } from "@crowsnest/protocol";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboardIfStale, WEB_DIR } from "../../../scripts/dashboard-build.ts";
import { ApiClient } from "../../../test/support/api-client.ts";
import { launchChromium, loginPage } from "../../../test/support/browser.ts";
import { removeLabelled, runTestContainer } from "../../../test/support/containers.ts";
import { requireDockerEngine } from "../../../test/support/docker-cli.ts";
import {
  ADMIN_PASSWORD,
  type ManagedProcess,
  ROOT,
  ServerProcess,
  startAgent,
  waitFor,
} from "../../../test/support/processes.ts";

/** The computed CSS `display` of an element (card rows are flex at phone width). */
function displayOf(locator: Locator): Promise<string> {
  return locator.evaluate(
    (el) => (el.ownerDocument.defaultView?.getComputedStyle(el).display ?? "") as string,
  );
}

const ARTIFACTS = join(ROOT, "test-artifacts", "web");
const LABEL = "crowsnest.test=container-states-e2e";
const HOST = "edge-03";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
const WIDTHS = [
  { name: "phone", ...PHONE },
  { name: "desktop", ...DESKTOP },
] as const;

/** Prints a boot line, then exits 1 a second later; `--restart always` makes it a crash loop. */
const CRASHER = 'echo "booting $(date +%s)"; echo "config missing" >&2; sleep 1; exit 1';
/** Ignores SIGTERM, so that `docker stop` waits for the stop timeout and then kills it. */
const STUBBORN = "trap '' TERM; while :; do echo still here; sleep 1; done";

describe("container states, logs and phones in a real browser", () => {
  let dataDir: string;
  let server: ServerProcess;
  let agent: ManagedProcess;
  let browser: Browser;
  let admin: ApiClient;
  let hostId: string;
  let crasherId: string;
  let stubbornId: string;
  let doomedId: string;
  const contexts: BrowserContext[] = [];
  const suffix = process.pid;

  async function open(path: string, viewport = DESKTOP): Promise<Page> {
    const page = await loginPage(browser, server.baseUrl, "admin", ADMIN_PASSWORD, path, viewport);
    contexts.push(page.context());
    return page;
  }

  const containerPath = (id: string) => `/fleet/${encodeURIComponent(hostId)}/${id}`;
  const container = (id: string) => admin.get<ContainerView>(`/api/hosts/${hostId}/containers/${id}`);

  async function noSidewaysScroll(page: Page): Promise<void> {
    // A string, run in the page: the tests are type-checked without the DOM's types.
    const { scrollWidth, innerWidth } = (await page.evaluate(
      "({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })",
    )) as { scrollWidth: number; innerWidth: number };
    expect(scrollWidth, `page ${page.url()} at ${innerWidth}px`).toBeLessThanOrEqual(innerWidth);
  }

  async function shoot(page: Page, name: string): Promise<void> {
    for (const size of WIDTHS) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.waitForTimeout(300);
      await noSidewaysScroll(page);
      await page.screenshot({ path: join(ARTIFACTS, `${name}-${size.name}.png`), fullPage: true });
    }
  }

  beforeAll(async () => {
    await requireDockerEngine();
    buildDashboardIfStale((message) => console.log(message));
    mkdirSync(ARTIFACTS, { recursive: true });
    await removeLabelled(LABEL);
    dataDir = mkdtempSync(join(tmpdir(), "crowsnest-states-e2e-"));
    server = await ServerProcess.start({ dataDir, env: { CROWSNEST_WEB_DIR: WEB_DIR } });
    admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    const host = await server.addHost(HOST);
    hostId = host.hostId;
    agent = startAgent({ serverUrl: server.agentUrl, token: host.token, stateDir: join(dataDir, "agent") });
    crasherId = await runTestContainer(LABEL, CRASHER, [
      "--name",
      `billing-sync-${suffix}`,
      "--restart",
      "always",
    ]);
    stubbornId = await runTestContainer(LABEL, STUBBORN, ["--name", `stubborn-${suffix}`]);
    doomedId = await runTestContainer(LABEL, "while :; do echo doomed line; sleep 1; done", [
      "--name",
      `doomed-${suffix}`,
    ]);
    await waitFor(
      () => `the crash loop restarted twice, as the server stores it\n${agent.output}`,
      async () => {
        const c = await container(crasherId).catch(() => null);
        return c !== null && c.restartCount >= 2 && c.exitCode === 1;
      },
      90_000,
    );
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await agent?.kill();
    await server?.stop();
    await removeLabelled(LABEL);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 180_000);

  it("serves a crash loop's exit code, restart count, OOM flag and die events over HTTP", async () => {
    // Docker clears the exit code while a boot runs; between boots (restarting) it is the last one.
    let c = await container(crasherId);
    await waitFor(
      () => "the crash loop between two boots",
      async () => {
        c = await container(crasherId);
        return c.state === "restarting";
      },
      30_000,
    );
    expect(c.exitCode).toBe(1);
    expect(c.restartCount).toBeGreaterThanOrEqual(2);
    expect(c.oomKilled).toBe(false);
    const { events } = await admin.get<ContainerEventsResponse>(
      `/api/hosts/${hostId}/containers/${crasherId}/events`,
    );
    const dies = events.filter((e) => e.action === "die");
    expect(dies.length).toBeGreaterThanOrEqual(2);
    expect(dies.every((e) => e.exitCode === 1 && !e.oomKilled)).toBe(true);
    expect(events.map((e) => e.time)).toEqual([...events.map((e) => e.time)].sort((a, b) => a - b));
  });

  it("shows why a crash loop crashes in the fleet list, the host page and the container page", async () => {
    const name = `billing-sync-${suffix}`;
    const page = await open("/fleet");
    const row = page.locator(`[data-testid="fleet-row"][data-container="${name}"]`);
    await expect
      .poll(() => row.getByTestId("exit-summary").textContent(), { timeout: 20_000 })
      .toMatch(/exited with code 1 · \d+ restarts/);
    await shoot(page, "crash-loop-fleet");
    // At phone width the fleet table is card rows: no header, each row a block.
    await page.setViewportSize(PHONE);
    await expect.poll(() => page.locator('[data-testid="fleet-table"] thead').isVisible()).toBe(false);
    await expect.poll(() => displayOf(row)).toBe("flex");
    await noSidewaysScroll(page);

    await page.setViewportSize(DESKTOP);
    await page.goto(`${server.baseUrl}/fleet/${encodeURIComponent(hostId)}`);
    const hostRow = page.locator(`[data-testid="host-container-row"][data-container="${name}"]`);
    // Docker clears the exit code while the loop's container runs for a moment: wait for the next exit.
    await expect
      .poll(() => hostRow.getByTestId("exit-summary").getAttribute("data-exit-code"), { timeout: 20_000 })
      .toBe("1");
    await expect.poll(() => page.title()).toBe(`${HOST} · Crowsnest`);
    // The only title: one from Next's metadata, streamed in later, would be put before it and win.
    expect(await page.locator("title").count()).toBe(1);
    await shoot(page, "crash-loop-host");

    await page.setViewportSize(DESKTOP);
    await page.goto(`${server.baseUrl}${containerPath(crasherId)}`);
    await expect.poll(() => page.title()).toBe(`${name} · ${HOST} · Crowsnest`);
    expect(await page.locator("title").count()).toBe(1);
    await expect
      .poll(() => page.getByTestId("exit-summary").first().textContent(), { timeout: 20_000 })
      .toMatch(/code 1/);
    // Not running: it opens on its logs, not its charts, and shows no figures as current. (A crash
    // loop is running for a moment at each boot: wait for it to be restarting again.)
    await expect
      .poll(() => page.getByTestId("container-sections").getAttribute("data-first"), { timeout: 20_000 })
      .toBe("logs");
    // Read in one go: a boot can flip the order between two reads.
    const logsAboveCharts = `(() => {
      const y = (selector) => document.querySelector(selector)?.getBoundingClientRect().y ?? Number.NaN;
      const first = document.querySelector('[data-testid="container-sections"]')?.getAttribute("data-first");
      return first === "logs" && y('[data-testid="logs"]') < y('[aria-label="Metrics"]');
    })()`;
    await expect.poll(() => page.evaluate(logsAboveCharts)).toBe(true);
    // Each boot is marked in the log with its exit code and time.
    await expect
      .poll(() => page.getByTestId("log-restart").count(), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId("log-restart").first().getAttribute("data-exit-code")).toBe("1");
    expect(await page.getByTestId("log-restart").first().textContent()).toMatch(/exited with code 1 at /);
    await shoot(page, "crash-loop-container");
    // The next boot runs for a second: the page turns to its charts, and the log view it had is
    // moved below them, not mounted again (which would drop its tail, search and scroll).
    await page.evaluate(`(() => {
      const sections = document.querySelector('[data-testid="container-sections"]');
      const logs = document.querySelector('[data-testid="logs"]');
      window.flips = [];
      new MutationObserver(() => {
        const kept = document.querySelector('[data-testid="logs"]') === logs;
        window.flips.push(sections.getAttribute("data-first") + (kept ? ":kept" : ":mounted again"));
      }).observe(sections, { attributes: true, attributeFilter: ["data-first"] });
    })()`);
    // Docker's restart delay doubles up to a minute: the wait allows for a full minute's delay
    // with a slow boot after it.
    const flips = async () => (await page.evaluate("window.flips")) as string[];
    // The loop may have booted and exited again since the checks above: wait for a turn to charts,
    // whichever flips come before it; each must have kept the log view.
    await expect
      .poll(async () => (await flips()).some((f) => f.startsWith("charts")), { timeout: 110_000 })
      .toBe(true);
    const seen = await flips();
    expect(seen).toEqual(seen.map((f) => f.replace(/:.*$/, ":kept")));
  }, 240_000);

  it("wraps log lines by default on a phone, not on a desktop, and shows the logs full screen", async () => {
    const phone = await open(containerPath(doomedId), PHONE);
    await expect.poll(() => phone.getByTestId("log-line").count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await phone.getByTestId("log-wrap").isChecked()).toBe(true);
    expect(await phone.locator(".log-list").getAttribute("class")).toContain("log-wrap");
    await noSidewaysScroll(phone);
    await phone.getByTestId("log-fullscreen").click();
    expect(await phone.getByTestId("logs").getAttribute("data-full")).toBe("1");
    const box = await phone.getByTestId("logs").boundingBox();
    expect(box?.width).toBe(PHONE.width);
    await phone.screenshot({ path: join(ARTIFACTS, "logs-fullscreen-phone.png") });
    await phone.keyboard.press("Escape");
    expect(await phone.getByTestId("logs").getAttribute("data-full")).toBe("0");

    const desktop = await open(containerPath(doomedId), DESKTOP);
    await expect.poll(() => desktop.getByTestId("log-line").count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await desktop.getByTestId("log-wrap").isChecked()).toBe(false);
    await desktop.getByTestId("log-fullscreen").click();
    const wide = await desktop.getByTestId("logs").boundingBox();
    expect(wide?.width).toBe(DESKTOP.width);
    await desktop.screenshot({ path: join(ARTIFACTS, "logs-fullscreen-desktop.png") });
  });

  it("says that Docker waits for the stop timeout when the process ignores SIGTERM", async () => {
    const page = await open(containerPath(stubbornId));
    await expect.poll(() => page.getByTestId("container-state").first().textContent()).toBe("running");
    await page.getByTestId("action-stop").click();
    await page.getByTestId("confirm-yes").click();
    await expect.poll(() => page.getByTestId("stop-note").isVisible(), { timeout: 5_000 }).toBe(true);
    expect(await page.getByTestId("stop-note").textContent()).toMatch(/waits for the stop timeout \(10 s/);
    await shoot(page, "stop-timeout");
    await expect
      .poll(() => page.getByTestId("action-result").textContent(), { timeout: 30_000 })
      .not.toBe("");
    await expect.poll(() => page.getByTestId("stop-note").count()).toBe(0);
    // Exited now: SIGKILL's 137, and no memory or PIDs shown as if current.
    await expect.poll(() => page.getByTestId("exit-code").textContent(), { timeout: 20_000 }).toMatch(/137/);
    expect(await page.getByTestId("container-memory").count()).toBe(0);
  });

  it("keeps a removed container's page: its record, logs and metrics, removed at, no actions", async () => {
    const page = await open(containerPath(doomedId));
    await expect.poll(() => page.getByTestId("log-line").count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.getByTestId("action-remove").click();
    await page.getByTestId("confirm-force").check();
    await page.getByTestId("confirm-yes").click();
    await expect
      .poll(() => page.getByTestId("container-removed").isVisible(), { timeout: 20_000 })
      .toBe(true);
    for (const action of ["start", "stop", "restart", "kill", "remove"]) {
      expect(await page.getByTestId(`action-${action}`).isDisabled(), action).toBe(true);
    }
    // Reloaded, the page is not a 404: the server keeps the tombstone. (The page shows the removal
    // from the live event, relayed before the event is stored: wait for the store.)
    await expect.poll(async () => (await container(doomedId)).removedAt, { timeout: 20_000 }).not.toBeNull();
    await page.reload();
    await expect.poll(() => page.getByTestId("container-removed").textContent()).toMatch(/Removed at/);
    expect(await page.getByTestId("container-sections").getAttribute("data-first")).toBe("logs");
    await expect.poll(() => page.getByTestId("log-line").count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId("action-start").getAttribute("data-reason")).toBe("Container removed");
    await shoot(page, "removed-container");
    // The fleet lists it no more, and actions on it are refused.
    const list = await admin.get<ContainerView[]>(`/api/hosts/${hostId}/containers`);
    expect(list.some((c) => c.id === doomedId)).toBe(false);
    const res = await fetch(`${server.baseUrl}/api/hosts/${hostId}/containers/${doomedId}/actions`, {
      method: "POST",
      headers: { cookie: admin.cookie, origin: server.baseUrl, "content-type": "application/json" },
      body: JSON.stringify({ action: "start" }),
    });
    expect(res.status).toBe(404);
  });

  it("shows the audit log as card rows on a phone, with nothing scrolling sideways", async () => {
    const page = await open("/audit", PHONE);
    await expect.poll(() => page.getByTestId("audit-row").count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="audit-table"] thead').isVisible()).toBe(false);
    expect(await displayOf(page.getByTestId("audit-row").first())).toBe("flex");
    await shoot(page, "audit-cards");
    await page.goto(`${server.baseUrl}/fleet`);
    await page.setViewportSize(PHONE);
    await expect.poll(() => page.getByTestId("host-card").count()).toBe(1);
    // Collapsed: name, state and counts; the usage figures are on the host page.
    expect(await page.getByTestId("host-card").locator(".kv").isVisible()).toBe(false);
    await noSidewaysScroll(page);
  });

  it("logs out this browser only, or everywhere", async () => {
    const first = await open("/fleet");
    const second = await open("/fleet");
    const third = await open("/fleet");
    await first.getByTestId("user-name").click();
    await first.getByTestId("logout").click();
    // Logging out navigates, and the closed live socket may send the page to /login again,
    // aborting the first navigation: wait on where the page is, not on one navigation.
    const path = (page: Page) => new URL(page.url()).pathname;
    await expect.poll(() => path(first), { timeout: 20_000 }).toBe("/login");
    expect((await first.request.get(`${server.baseUrl}/api/me`)).status()).toBe(401);
    expect((await second.request.get(`${server.baseUrl}/api/me`)).status()).toBe(200);
    await expect.poll(() => second.getByTestId("live-status").textContent()).toBe("live");

    await second.getByTestId("user-name").click();
    await shoot(second, "user-menu");
    await second.getByTestId("logout-everywhere").click();
    await expect.poll(() => path(second), { timeout: 20_000 }).toBe("/login");
    expect((await third.request.get(`${server.baseUrl}/api/me`)).status()).toBe(401);
    // The other browser's live socket is closed at once, and it is sent to log in.
    await expect.poll(() => path(third), { timeout: 20_000 }).toBe("/login");
    // The admin's API session ended too: every session of the user did.
    expect((await fetch(`${server.baseUrl}/api/me`, { headers: { cookie: admin.cookie } })).status).toBe(401);
    admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    const audit = await admin.get<{ entries: { action: string }[] }>("/api/audit?category=session&limit=20");
    const actions = audit.entries.map((e) => e.action);
    expect(actions).toContain("session.logout");
    expect(actions).toContain("session.logout_everywhere");
  });
});
