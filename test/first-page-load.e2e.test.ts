/**
 * A new user's first page: the built dashboard served by a real crowsnest-server, opened in
 * Debian's Chromium. Nothing it loads fails — no 404 in the console, the favicon included (the
 * dashboard declares its icon, apps/web/src/app/icon.svg, so the browser does not ask for
 * /favicon.ico).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboardIfStale, WEB_DIR } from "../scripts/dashboard-build.ts";
import { launchChromium } from "./support/browser.ts";
import { ServerProcess } from "./support/processes.ts";

describe("the first page load", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "crowsnest-first-load-"));
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    buildDashboardIfStale((message) => console.log(message));
    server = await ServerProcess.start({ dataDir, env: { CROWSNEST_WEB_DIR: WEB_DIR } });
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("loads the login page with its icon and no failed request", async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    const consoleErrors: string[] = [];
    page.on("response", (res) => {
      if (res.status() >= 400) failed.push(`${res.status()} ${res.url()}`);
    });
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    // The sign-in page itself: the fleet page a visitor is sent from first answers its 401 by design.
    await page.goto(`${server.baseUrl}/login`, { waitUntil: "networkidle" });
    expect(await page.title()).toBe("Log in · Crowsnest");
    const icon = await page.locator('link[rel="icon"]').getAttribute("href");
    expect(icon).toMatch(/^\/icon\.svg/);
    const res = await fetch(new URL(icon as string, server.baseUrl));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    expect(failed).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
