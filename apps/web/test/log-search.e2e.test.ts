/**
 * End-to-end, issue 24 section 3 in the browser: a search finds words by their beginning and,
 * asked to, inside words; the case toggle requires the case as typed; a search that finds
 * nothing says what it searched and offers to widen it. Built dashboard, real server, agent,
 * Engine, Chromium, a real container printing the lines.
 */
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, loginPage } from "../../../test/support/browser.ts";
import { runTestContainer } from "../../../test/support/containers.ts";
import { ADMIN_PASSWORD, waitFor } from "../../../test/support/processes.ts";
import { Rig } from "../../../test/support/rig.ts";

const LABEL = "crowsnest.test=web-log-search";
const LINE = "upstream timeout from payment-gateway";

describe("log search in the container page", () => {
  let rig: Rig;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    rig = await Rig.start(LABEL, { dashboard: true });
    const admin = await rig.admin();
    const { hostId } = await rig.addAgent("web-search-host");
    browser = await launchChromium();
    const id = await runTestContainer(LABEL, `echo '${LINE}'; echo 'all good here'; sleep 3600`);
    await waitFor(`the server to store the lines of ${id}`, async () => {
      const res = await admin.get<{ lines: unknown[] }>(`/api/hosts/${hostId}/containers/${id}/logs`);
      return res.lines.length === 2;
    });
    page = await loginPage(browser, rig.server.baseUrl, "admin", ADMIN_PASSWORD, `/fleet/${hostId}/${id}`);
    await page.getByTestId("log-list").waitFor();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.stop();
  });

  /** Waits until the URL matches and the view shows these lines, with these parts marked. */
  async function expectShown(urlHas: RegExp, lines: string[], marks: string[]): Promise<void> {
    await page.waitForURL(urlHas);
    const texts = () => page.getByTestId("log-line").locator(".log-text").allTextContents();
    await expect.poll(texts, { timeout: 10_000 }).toEqual(lines);
    await expect.poll(() => page.getByTestId("log-line").locator("mark").allTextContents()).toEqual(marks);
  }

  it("finds `time` and `pay` by their beginning and marks them", async () => {
    await page.getByTestId("log-search").fill("time");
    await expectShown(/q=time/, [LINE], ["time"]);
    await page.getByTestId("log-search").fill("pay");
    await expectShown(/q=pay/, [LINE], ["pay"]);
  });

  it("toggles case, then says what an empty search searched and widens it", async () => {
    const name = (await page.getByTestId("container-name").textContent())?.trim() ?? "";
    await page.getByTestId("log-search").fill("Pay");
    await page.getByTestId("log-case").click(); // controlled by the URL: it changes once the URL does
    await page.waitForURL(/case=sensitive/);
    const empty = page.getByTestId("log-empty-text");
    await empty.waitFor();
    expect(await empty.textContent()).toBe(
      `No lines found. Searched ${name}, its whole stored history, stdout and stderr, for words starting with “Pay”, case-sensitive.`,
    );
    await page
      .getByTestId("logs")
      .screenshot({ path: join(rig.dir, "..", "crowsnest-log-search-empty.png") });
    await page.getByTestId("log-widen-case").click();
    await expectShown(/^(?!.*case=sensitive)/, [LINE], ["pay"]);

    await page.getByTestId("log-stream").selectOption("stderr");
    await empty.waitFor();
    expect(await empty.textContent()).toContain("stderr only");
    await page.getByTestId("log-widen-streams").click();
    await expectShown(/^(?!.*stream=stderr)/, [LINE], ["pay"]);
  });

  it("finds a part of a word once asked to search inside words", async () => {
    await page.getByTestId("log-search").fill("ment-gate");
    const empty = page.getByTestId("log-empty-text");
    await empty.waitFor();
    expect(await empty.textContent()).toContain("words starting with “ment-gate”");
    await page.getByTestId("log-widen-match").click();
    await expectShown(/match=substring/, [LINE], ["ment-gate"]);
    expect(await page.getByTestId("log-scanned").count()).toBe(0);
  });
});
