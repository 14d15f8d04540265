/**
 * End-to-end, real server + Chromium (issue 13, the 24 h query): a day of one container at 1 s
 * (86,400 samples, from a protocol-level agent) is answered as about 2,000 min/max buckets, a
 * one-second spike included, and the container page's 24 h chart draws those buckets.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LIMITS, METRIC_POINTS_TARGET, type MetricsResponse } from "@crowsnest/protocol";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboardIfStale, WEB_DIR } from "../../../scripts/dashboard-build.ts";
import { ApiClient } from "../../../test/support/api-client.ts";
import { launchChromium, loginPage } from "../../../test/support/browser.ts";
import { ADMIN_PASSWORD, ROOT, ServerProcess } from "../../../test/support/processes.ts";
import {
  containerInfo,
  metricSample,
  containerId as newContainerId,
} from "../../api/test/support/samples.ts";
import { SimAgent } from "../../api/test/support/sim-agent.ts";

const DAY = 86_400_000;
const ARTIFACTS = join(ROOT, "test-artifacts", "web");
/** Samples per batch: a day in 44 batches, each far below the agent frame limit. */
const BATCH = 2_000;

describe("24 h of metrics in the chart", () => {
  let dataDir: string;
  let server: ServerProcess;
  let agent: SimAgent;
  let browser: Browser;
  let api: ApiClient;
  let hostId: string;
  const id = newContainerId();
  const now = Date.now();
  const first = now - DAY + 1_000;
  /** The one second at 97 % CPU; every other sample reads 5 %. */
  const spikeAt = first + 43_210_000;

  beforeAll(async () => {
    buildDashboardIfStale((message) => console.log(message));
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), "crowsnest-web-history-"));
    server = await ServerProcess.start({ dataDir, env: { CROWSNEST_WEB_DIR: WEB_DIR } });
    api = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    const host = await server.addHost("day-host");
    hostId = host.hostId;
    agent = await SimAgent.connect(server.agentUrl, host.token, { containers: [containerInfo(id, "day")] });
    expect(BATCH).toBeLessThanOrEqual(LIMITS.metricSamplesPerBatch);
    for (let start = 0; start < DAY / 1_000; start += BATCH) {
      const samples = Array.from({ length: Math.min(BATCH, DAY / 1_000 - start) }, (_, i) => {
        const t = first + (start + i) * 1_000;
        return metricSample(id, t, t === spikeAt ? 97 : 5);
      });
      await agent.send({ type: "metrics", samples }).acked;
    }
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers a day as min/max buckets of about 2,000 points, the one-second spike kept", async () => {
    const started = performance.now();
    const day = await api.get<MetricsResponse>(
      `/api/hosts/${hostId}/containers/${id}/metrics?from=${now - DAY}&to=${now}`,
    );
    console.log(`[figure] 24 h of one container over HTTP: ${Math.round(performance.now() - started)} ms`);
    expect(day.resolution).toBe("buckets");
    expect(day.points.length).toBeGreaterThan(METRIC_POINTS_TARGET * 0.95);
    expect(day.points.length).toBeLessThanOrEqual(METRIC_POINTS_TARGET);
    expect(Math.max(...day.points.map((p) => p.cpuPercentMax))).toBe(97);
    expect(Math.max(...day.points.map((p) => p.cpuPercent))).toBeLessThan(10);
  });

  it("draws the day's buckets in the container page's 24 h chart", async () => {
    const page = await loginPage(browser, server.baseUrl, "admin", ADMIN_PASSWORD, `/fleet/${hostId}/${id}`);
    await page.getByTestId("range-24h").click();
    const status = page.getByTestId("chart-status");
    await expect
      .poll(() => status.textContent(), { timeout: 20_000 })
      .toContain("reduced on the server to averages with their peaks");
    const points = Number(await status.getAttribute("data-points"));
    expect(points).toBeGreaterThan(METRIC_POINTS_TARGET * 0.95);
    expect(points).toBeLessThanOrEqual(METRIC_POINTS_TARGET + 10);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(ARTIFACTS, "metrics-24h-buckets.png"), fullPage: true });
    await page.context().close();
  });
});
