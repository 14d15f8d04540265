import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, loginPage } from "../support/browser.ts";
import { runTestContainer } from "../support/containers.ts";
import { ADMIN_PASSWORD, ROOT, waitFor } from "../support/processes.ts";
import { Rig } from "../support/rig.ts";

/**
 * Lines a hostile container can write: HTML and script, OSC 8 hyperlinks to javascript:, a
 * window-title escape, screen clearing, cursor movement, absurd SGR parameters, backspaces and
 * carriage returns, the bell, and a C1 control. The dashboard must show them as text.
 */
const HOSTILE = [
  "printf '<img src=x onerror=window.__pwned=1>html-line\\n'",
  "printf '<script>window.__pwned=2</script>script-line\\n'",
  "printf '\\033]8;;javascript:window.__pwned=3\\033\\\\osc8-link\\033]8;;\\033\\\\\\n'",
  "printf '\\033]0;pwned-title\\007title-line\\n'",
  "printf '\\033[2J\\033[H\\033[999999999;999999999Hclear-line\\n'",
  "printf '\\033[38;2;999;999;999;5;999999999999mbig-sgr-line\\033[0m\\n'",
  "printf 'back\\b\\b\\b\\bspace-line\\rcr-line\\007bell\\n'",
  "printf '\\302\\233[31mc1-line\\n'",
  "printf '\\033[31m<b onmouseover=window.__pwned=4>red-html</b>\\033[0m\\n'",
  "sleep 3600",
].join("; ");

describe("hostile log lines and response headers in a real browser", () => {
  let rig: Rig;
  let browser: Browser;
  let hostId: string;
  let containerId: string;

  beforeAll(async () => {
    browser = await launchChromium();
    rig = await Rig.start("crowsnest.test=attacks-rendering", {
      serverEnv: { CROWSNEST_WEB_DIR: join(ROOT, "apps", "web") },
    });
    ({ hostId } = await rig.addAgent("render-host"));
    containerId = await runTestContainer(rig.label, HOSTILE);
    const api = await rig.admin();
    await waitFor(
      "the hostile lines to be stored",
      async () => (await api.allLogLines(hostId, containerId)).length >= 9,
    );
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.stop();
  });

  it("shows every hostile line as text and runs nothing", async () => {
    const path = `/fleet/${encodeURIComponent(hostId)}/${containerId}`;
    const page = await loginPage(browser, rig.server.baseUrl, "admin", ADMIN_PASSWORD, path);
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const lines = page.getByTestId("log-line");
    await expect.poll(() => lines.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(9);
    const text = (await lines.allTextContents()).join("\n");
    for (const marker of [
      "html-line",
      "script-line",
      "osc8-link",
      "title-line",
      "clear-line",
      "big-sgr-line",
      "space-line",
      "c1-line",
      "red-html",
    ]) {
      expect(text).toContain(marker);
    }
    expect(text).toContain("<img src=x onerror=window.__pwned=1>");
    expect(text).toContain("<script>window.__pwned=2</script>");

    const logs = page.getByTestId("logs");
    expect(await logs.locator("img, script, a[href^='javascript'], b[onmouseover]").count()).toBe(0);
    await page.getByText("red-html").hover();
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await page.title()).not.toContain("pwned");
    expect(dialogs).toEqual([]);
    await page.context().close();
  });

  it("sends a strict Content-Security-Policy, denies framing, and names no server version", async () => {
    for (const path of ["/login", "/fleet", "/api/health"]) {
      const res = await fetch(`${rig.server.baseUrl}${path}`, { redirect: "manual" });
      const headers = Object.fromEntries(res.headers);
      expect(headers["x-powered-by"], path).toBeUndefined();
      expect(headers.server, path).toBeUndefined();
      if (path.startsWith("/api")) continue;
      const csp = headers["content-security-policy"] ?? "";
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? /default-src ([^;]*)/.exec(csp)?.[1] ?? "";
      expect(scriptSrc, `${path}: ${csp}`).not.toBe("");
      expect(scriptSrc, path).not.toContain("'unsafe-inline'");
      expect(scriptSrc, path).not.toContain("'unsafe-eval'");
      expect(csp, path).toContain("frame-ancestors 'none'");
    }
  });
});
