/**
 * End-to-end, real Engine + server + agent under libfaketime + Chromium (issue 23, section 2): the
 * host page says how far off the agent's clock is, ahead or behind, as the server measured it.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboardIfStale, WEB_DIR } from "../../../scripts/dashboard-build.ts";
import { launchChromium, loginPage } from "../../../test/support/browser.ts";
import { FakeClock } from "../../../test/support/fake-clock.ts";
import { ADMIN_PASSWORD, waitFor } from "../../../test/support/processes.ts";
import { Rig } from "../../../test/support/rig.ts";

const HOUR_S = 3_600;

describe("the host page and an agent whose clock is wrong", () => {
  let rig: Rig;
  let browser: Browser;

  beforeAll(async () => {
    buildDashboardIfStale((message) => console.log(message));
    // Heartbeats, and with them clock probes, every second.
    rig = await Rig.start("crowsnest.test=web-clock-offset", {
      serverEnv: { CROWSNEST_WEB_DIR: WEB_DIR, CROWSNEST_HEARTBEAT_MS: "1000" },
    });
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.stop();
  });

  it("says the clock is an hour ahead, then an hour behind", async () => {
    const clock = new FakeClock(rig.dir);
    clock.set(HOUR_S);
    const { hostId, agent } = await rig.addAgent("wrong-clock", { env: clock.env });
    const api = await rig.admin();
    const offsetIs = (seconds: number) =>
      waitFor(
        () => `a measured offset of ${seconds} s\n${agent.output}`,
        async () => Math.abs(((await api.host(hostId)).clockOffsetMs ?? 0) - seconds * 1000) < 3_000,
      );
    await offsetIs(HOUR_S);

    const page = await loginPage(browser, rig.server.baseUrl, "admin", ADMIN_PASSWORD, `/fleet/${hostId}`);
    const warning = page.getByTestId("clock-offset");
    await expect.poll(() => warning.textContent()).toContain("This host's clock is 1h 0m ahead");

    clock.set(-HOUR_S);
    await offsetIs(-HOUR_S);
    await page.reload();
    await expect.poll(() => warning.textContent()).toContain("This host's clock is 1h 0m behind");

    clock.set(0);
    await offsetIs(0);
    await page.reload();
    await page.getByTestId("host-name").waitFor();
    expect(await warning.count()).toBe(0);
  });
});
