/**
 * End-to-end: the audit page of the built dashboard, served by a real crowsnest-server and driven
 * in Debian's Chromium, shows sign-ins and account changes beside container actions, and filters
 * them by category through the URL like its other filters. No Docker is needed: nothing here
 * touches a container.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboardIfStale, WEB_DIR } from "../../../scripts/dashboard-build.ts";
import { launchChromium, loginPage } from "../../../test/support/browser.ts";
import { ADMIN_PASSWORD, ROOT, ServerProcess } from "../../../test/support/processes.ts";

// A missing Chromium fails the suite (launchChromium says how to install it); it is never skipped.
const ARTIFACTS = join(ROOT, "test-artifacts", "web");

/** What each row of the audit table says: its category, action, result and text. */
function rowsOf(page: Page): Promise<{ category: string; action: string; text: string }[]> {
  return page.getByTestId("audit-row").evaluateAll((trs) =>
    trs.map((tr) => ({
      category: tr.getAttribute("data-category") ?? "",
      action: tr.getAttribute("data-action") ?? "",
      text: tr.textContent ?? "",
    })),
  );
}

describe("audit page in a real browser", () => {
  let dataDir: string;
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    buildDashboardIfStale((message) => console.log(message));
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), "crowsnest-audit-e2e-"));
    server = await ServerProcess.start({ dataDir, env: { CROWSNEST_WEB_DIR: WEB_DIR } });
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("shows a sign-in and a user creation, and filters by category in the URL", async () => {
    // The sign-in through the login page, then a user created on the users page.
    const page = await loginPage(browser, server.baseUrl, "admin", ADMIN_PASSWORD, "/admin/users");
    await page.getByTestId("new-user-name").fill("audited-viewer");
    await page.getByTestId("new-user-password").fill("audited-viewer-password");
    await page.getByTestId("new-user-submit").click();
    await page.locator('[data-testid="user-row"][data-user="audited-viewer"]').waitFor();

    await page.goto(`${server.baseUrl}/audit`);
    await expect
      .poll(async () => (await rowsOf(page)).map((r) => r.action), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(["session.login", "user.create"]));
    const rows = await rowsOf(page);
    const signIn = rows.find((r) => r.action === "session.login");
    expect(signIn?.category).toBe("session");
    expect(signIn?.text).toMatch(/admin.*ADMIN.*sign-in.*succeeded.*127\.0\.0\.1/);
    const creation = rows.find((r) => r.action === "user.create");
    expect(creation?.text).toMatch(/admin.*create user.*audited-viewer.*succeeded.*role VIEWER/);
    await page.screenshot({ path: join(ARTIFACTS, "audit-categories.png"), fullPage: true });

    // The category filter goes in the URL and leaves only that category's rows.
    await page.getByTestId("audit-category").selectOption("user");
    await page.waitForURL((u) => u.searchParams.get("category") === "user");
    await expect
      .poll(async () => (await rowsOf(page)).map((r) => r.category), { timeout: 10_000 })
      .toEqual(["user"]);
    // Its action filter offers only that category's actions.
    const offered = await page
      .getByTestId("audit-action")
      .locator("option")
      .evaluateAll((options) => options.map((o) => o.getAttribute("value")));
    expect(offered).toEqual(["", "user.create", "user.update", "user.delete", "user.unlock"]);

    // Opened from its URL, the page applies the filter as it loads.
    await page.goto(`${server.baseUrl}/audit?category=session`);
    expect(await page.getByTestId("audit-category").inputValue()).toBe("session");
    await expect
      .poll(async () => new Set((await rowsOf(page)).map((r) => r.category)), { timeout: 10_000 })
      .toEqual(new Set(["session"]));
    await page.context().close();
  });
});
