/**
 * End-to-end, issue 11 sections 2 and 4 in the browser: a container writing faster than the
 * agent's per-container rate shows how far behind its log is read, and a 256 KiB line arrives on
 * the live tail without freezing the page. Built dashboard, real server, agent, Engine, Chromium.
 */
import { LIMITS } from "@crowsnest/protocol";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient } from "../../../test/support/api-client.ts";
import { launchChromium, loginPage } from "../../../test/support/browser.ts";
import { runTestContainer } from "../../../test/support/containers.ts";
import { ADMIN_PASSWORD, waitFor } from "../../../test/support/processes.ts";
import { Rig } from "../../../test/support/rig.ts";

const LABEL = "crowsnest.test=web-log-lag";
const RATE = 200;

describe("a lagging and a very long log line in the dashboard", () => {
  let rig: Rig;
  let browser: Browser;
  let admin: ApiClient;
  let hostId: string;

  beforeAll(async () => {
    rig = await Rig.start(LABEL, { dashboard: true });
    admin = await rig.admin();
    ({ hostId } = await rig.addAgent("web-lag-host", { args: ["--log-rate", String(RATE)] }));
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.stop();
  });

  async function openContainer(script: string): Promise<{ id: string; page: Page }> {
    const page = await loginPage(browser, rig.server.baseUrl, "admin", ADMIN_PASSWORD, "/fleet");
    // Wait until the agent lists the container, then open its page before it writes.
    const id = await runTestContainer(LABEL, `sleep 3; ${script}; sleep 3600`);
    await waitFor(`the agent to report ${id}`, async () => {
      const list = await admin.get<{ id: string }[]>(`/api/hosts/${hostId}/containers`);
      return list.some((c) => c.id === id);
    });
    await page.goto(`${rig.server.baseUrl}/fleet/${encodeURIComponent(hostId)}/${id}`);
    await page.getByTestId("logs").waitFor();
    return { id, page };
  }

  it("shows how many seconds behind the log is read, then clears it once caught up", async () => {
    // 6,000 lines at once, read at 200/s: about 30 s to catch up.
    const { page } = await openContainer("seq 1 6000");
    const lag = page.getByTestId("log-lag");
    await lag.waitFor({ timeout: 30_000 });
    expect(await lag.textContent()).toMatch(/^\d+ s behind$/);
    // The figure grows while the container's burst is read at the agent's rate.
    await expect
      .poll(async () => Number(await lag.getAttribute("data-behind-ms")), { timeout: 20_000 })
      .toBeGreaterThan(3_000);
    await lag.waitFor({ state: "detached", timeout: 60_000 });
    await expect
      .poll(() => page.getByTestId("log-count").textContent(), { timeout: 20_000 })
      .toBe("6,000 lines");
    await page.context().close();
  }, 150_000);

  it("renders a 256 KiB line on the live tail and stays responsive", async () => {
    const bytes = LIMITS.logLineBytes;
    const { page } = await openContainer(`printf "LONG%0${bytes - 8}dEND\\n" 0; echo after-long`);
    await page.getByText("after-long").waitFor({ timeout: 30_000 });
    const rows = page.getByTestId("log-line");
    const texts = await rows.allTextContents();
    expect(texts.some((t) => t.includes(`LONG${"0".repeat(100)}`) && t.endsWith("END"))).toBe(true);
    // The main thread answers at once: a task queued now runs within a frame or two.
    const delay = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const start = performance.now();
          setTimeout(() => resolve(performance.now() - start), 0);
        }),
    );
    expect(delay).toBeLessThan(100);
    await page.context().close();
  }, 120_000);
});
