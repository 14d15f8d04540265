/**
 * `npm run bench:web`: the log view with 100,000 lines loaded, scrolled while 200 lines/s arrive
 * live, in Debian's Chromium against the real server, agent and Docker Engine. Frame times are
 * measured in the page with the Performance API (rAF timestamps, frame-rate limit off so a frame
 * takes as long as its work). Prints the figures and writes them under bench/results/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { ApiClient } from "../../../test/support/api-client.ts";
import { launchChromium, loginPage } from "../../../test/support/browser.ts";
import { removeLabelled, runTestContainer } from "../../../test/support/containers.ts";
import { ADMIN_PASSWORD, ROOT, ServerProcess, startAgent, waitFor } from "../../../test/support/processes.ts";

const LINES = 100_000;
const LABEL = "crowsnest.bench=web";
const SCRIPT = `seq 1 ${LINES} | sed 's/^/preloaded line /'; i=0; while :; do j=0; while [ $j -lt 20 ]; do i=$((i+1)); j=$((j+1)); echo "live line $i"; done; usleep 100000; done`;

function stats(xs: number[]): { n: number; median: number; p95: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { n: s.length, median: round(at(0.5)), p95: round(at(0.95)), max: round(s.at(-1) ?? 0) };
}
const round = (v: number) => Math.round(v * 100) / 100;

const dataDir = mkdtempSync(join(tmpdir(), "crowsnest-bench-web-"));
function storedLines(): number {
  const db = new DatabaseSync(join(dataDir, "crowsnest.db"), { readOnly: true });
  try {
    return Number((db.prepare("SELECT count(*) AS n FROM log_lines").get() as { n: number }).n);
  } finally {
    db.close();
  }
}
const server = await ServerProcess.start({ dataDir, env: { CROWSNEST_WEB_DIR: join(ROOT, "apps", "web") } });
await removeLabelled(LABEL);
const host = await server.addHost("bench-web");
const agent = startAgent({
  serverUrl: server.agentUrl,
  token: host.token,
  stateDir: join(dataDir, "agent"),
  args: ["--log-rate", "1000000"],
});
// The agent starts first: of a container it finds already running it takes only the last 1,000
// lines, so the 100,000 lines must be written while it watches.
const admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
await waitFor("the agent to connect", async () => (await admin.host(host.hostId)).online);
const containerId = await runTestContainer(LABEL, SCRIPT, ["--name", `bench-web-${process.pid}`]);
// Frame-rate limit off, so a frame takes as long as its work.
const browser = await launchChromium(["--disable-frame-rate-limit", "--disable-gpu-vsync"]);
try {
  const page = await loginPage(
    browser,
    server.baseUrl,
    "admin",
    ADMIN_PASSWORD,
    `/fleet/${host.hostId}/${containerId}`,
  );
  const count = async () =>
    Number(((await page.getByTestId("log-count").textContent()) ?? "0").replace(/\D/g, ""));
  await waitFor("the first log lines", async () => (await count()) > 0, 60_000);
  // Load stored history page by page until 100,000 lines are in the view.
  const started = Date.now();
  let have = 0;
  let lastReport = Date.now();
  await waitFor(
    () => `${LINES} lines loaded (have ${have})`,
    async () => {
      have = await count();
      if (have >= LINES) return true;
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        const stored = storedLines();
        console.log(
          `  ${have} lines in the view, ${stored} stored, after ${Math.round((Date.now() - started) / 1000)} s`,
        );
      }
      const older = page.getByTestId("log-older");
      if (await older.isVisible()) await older.click();
      return false;
    },
    300_000,
    50,
  );
  const loadSeconds = (Date.now() - started) / 1000;
  const loaded = await count();
  const created = await page.getByTestId("chart-cpu").locator(".chart-box").getAttribute("data-created");

  const logVersion = async () => Number(await page.getByTestId("log-count").getAttribute("data-version"));
  const versionBefore = await logVersion();
  // Scroll the list for 5 s, one step per frame, while live lines keep arriving.
  const frames = (await page.evaluate(`new Promise((resolve) => {
    const list = document.querySelector('[data-testid="log-list"]');
    const times = [];
    let last = performance.now();
    const end = last + 5000;
    let dir = -1;
    function frame(now) {
      times.push(now - last);
      last = now;
      if (list.scrollTop <= 0) dir = 1;
      if (list.scrollTop + list.clientHeight >= list.scrollHeight - 2) dir = -1;
      list.scrollTop += dir * 900;
      if (now < end) requestAnimationFrame(frame); else resolve(times.slice(1));
    }
    list.scrollTop = list.scrollHeight / 2;
    requestAnimationFrame(frame);
  })`)) as number[];
  const versionAfter = await logVersion();
  const rendered = await page.getByTestId("log-line").count();
  const createdAfter = await page.getByTestId("chart-cpu").locator(".chart-box").getAttribute("data-created");
  const frame = stats(frames);
  const result = {
    when: new Date().toISOString(),
    linesLoaded: loaded,
    historyLoadSeconds: round(loadSeconds),
    // The view holds at most 100,000 lines, so its count stays put: the live batches show as updates.
    liveUpdatesDuringScroll: versionAfter - versionBefore,
    rowsInDom: rendered,
    frameMs: frame,
    chartsCreated: { before: created, after: createdAfter },
  };
  console.log("log view benchmark (Chromium, frame-rate limit off)");
  console.log(
    `  lines in the view           ${loaded.toLocaleString()} (loaded in ${result.historyLoadSeconds} s)`,
  );
  console.log(`  live updates while scrolling ${result.liveUpdatesDuringScroll} (a batch of lines each)`);
  console.log(`  rows in the DOM             ${rendered}`);
  console.log(
    `  frame time median / p95     ${frame.median} ms / ${frame.p95} ms (max ${frame.max}, ${frame.n} frames)`,
  );
  console.log(`  charts created              ${created} before, ${createdAfter} after (updated in place)`);
  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "web.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`  written to bench/results/web.json`);
} finally {
  await browser.close();
  await agent.kill();
  await server.stop();
  await removeLabelled(LABEL);
  rmSync(dataDir, { recursive: true, force: true });
}
