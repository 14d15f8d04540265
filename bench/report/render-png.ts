import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { launchChromium } from "../../test/support/browser.ts";

/** Rasterizes SVG charts to PNG files in Debian's headless Chromium (a fresh profile per launch). */
export async function renderPngs(charts: { path: string; svg: string }[]): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ deviceScaleFactor: 2 });
    for (const { path, svg } of charts) {
      await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
      mkdirSync(dirname(path), { recursive: true });
      await page.locator("svg").screenshot({ path });
    }
  } finally {
    await browser.close();
  }
}
