/**
 * The server's production start (issue 15): after `npm run build`, one `node` process — no npm, no
 * start script, no type stripping — serves the dashboard, the API and the agents' endpoint:
 *   node_modules/.bin/node apps/api/dist/crowsnest-server.mjs --web-dir apps/web
 * Measured: the process tree under it (one process), and its resident memory once the dashboard's
 * pages have been served to a real Chromium and the server has sat idle (≤ 150 MiB). The figures go
 * to BENCHMARKS.md, in a section `npm run bench` keeps.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE_FLAGS } from "../apps/api/src/runtime-flags.ts";
import { table } from "../bench/report/format.ts";
import { withSection } from "../bench/report/kept-sections.ts";
import { buildServer, SERVER_BUNDLE } from "../scripts/build-server.ts";
import { buildDashboardIfStale } from "../scripts/dashboard-build.ts";
import { launchChromium, loginPage } from "./support/browser.ts";
import { ADMIN_PASSWORD, freePort, ManagedProcess, ROOT, waitFor } from "./support/processes.ts";

const MIB = 1024 * 1024;
/** The pages an operator opens first, each served by Next in the server process. */
const PAGES = ["/fleet", "/admin/hosts", "/admin/users", "/audit"];
const IDLE_MS = 15_000;

/** Every process whose parent chain leads to `pid`, `pid` included. */
function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      // Field 4 of /proc/<pid>/stat, after the command name in parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone since the listing
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

describe("the server's production start: one node process", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "crowsnest-production-"));
  let server: ManagedProcess;
  let baseUrl: string;

  beforeAll(async () => {
    buildDashboardIfStale((message) => console.log(message));
    await buildServer();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    // The documented command, run by the pinned Node.js (this test's own) from the checkout.
    server = new ManagedProcess(
      "crowsnest-server",
      ["apps/api/dist/crowsnest-server.mjs", "--web-dir", "apps/web"],
      {
        CROWSNEST_PORT: String(port),
        CROWSNEST_HOST: "127.0.0.1",
        CROWSNEST_DATA_DIR: dataDir,
        CROWSNEST_ADMIN_PASSWORD: ADMIN_PASSWORD,
        CROWSNEST_WEB_DIR: "",
        NODE_ENV: "production",
      },
    );
    await waitFor(
      () => `the server to answer\n${server.output}`,
      async () => (await fetch(`${baseUrl}/api/health`)).ok,
      60_000,
    );
  }, 300_000);

  afterAll(async () => {
    await server?.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("re-executes itself with its flags from an entry that has loaded nothing else", () => {
    // esbuild's unminified ES module output: `import … from "x"`, `import "x"` or `export … from "x"`
    // at the start of a line (a dynamic `import("x")` loads after the re-exec).
    const entry = readFileSync(SERVER_BUNDLE, "utf8");
    const staticImports = [...entry.matchAll(/^\s*(?:import|export)\b[^;(]*?["']([^"']+)["']/gm)].map(
      (m) => m[1],
    );
    expect(staticImports).toEqual([]);
    const commandLine = readFileSync(`/proc/${server.pid}/cmdline`, "utf8").split("\0");
    expect(commandLine.filter((arg) => NODE_FLAGS.includes(arg))).toEqual([...NODE_FLAGS]);
  });

  it("serves the dashboard from one process, idle at most 150 MiB resident", async () => {
    const browser = await launchChromium();
    try {
      const page = await loginPage(browser, baseUrl, "admin", ADMIN_PASSWORD, "/fleet");
      for (const path of PAGES) {
        const res = await page.goto(`${baseUrl}${path}`);
        expect(res?.status(), path).toBe(200);
        await page.waitForLoadState("networkidle");
      }
    } finally {
      await browser.close();
    }
    const afterPages = server.rssBytes();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const tree = processTree(server.pid);
    const idle = server.rssBytes();
    const peak =
      Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${server.pid}/status`, "utf8"))?.[1]) * 1024;
    const figures = {
      processes: tree.length,
      afterPagesMiB: afterPages / MIB,
      idleMiB: idle / MIB,
      peakMiB: peak / MIB,
    };
    console.log(`production start: ${JSON.stringify(figures)}`);
    expect(tree).toEqual([server.pid]);
    expect(idle).toBeLessThanOrEqual(150 * MIB);

    const path = join(ROOT, "BENCHMARKS.md");
    writeFileSync(path, withSection(readFileSync(path, "utf8"), "production-start", section(figures)));
  });
});

/** The BENCHMARKS.md section for the measured figures. */
function section(f: { processes: number; afterPagesMiB: number; idleMiB: number; peakMiB: number }): string {
  const mib = (n: number) => `${n.toFixed(1)} MiB`;
  return [
    "## Server production start",
    "",
    "After `npm install && npm run build` (the dashboard, and the server bundled with no type stripping",
    "at run time), one `node` process serves the dashboard, the API and the agents'",
    "endpoint, without npm or the start script around it (issue 15 counted about 135 MiB of those under `npm start`):",
    "",
    "```sh",
    "node_modules/.bin/node apps/api/dist/crowsnest-server.mjs --web-dir apps/web   # `node` where Node.js 24 is on the PATH",
    "```",
    "",
    "Measured by `test/production-start.test.ts` (it rewrites this section): the dashboard's first pages",
    `(${PAGES.join(", ")}) served to headless Chromium, then ${IDLE_MS / 1000} s idle, on ${new Date().toISOString().slice(0, 10)}.`,
    "",
    table(
      ["measure", "value", "target"],
      [
        ["processes (the server and its descendants)", String(f.processes), "1"],
        ["resident memory, idle", mib(f.idleMiB), "≤ 150 MiB"],
        ["resident memory, right after the pages", mib(f.afterPagesMiB), ""],
        ["resident memory, peak (VmHWM)", mib(f.peakMiB), ""],
      ],
    ),
  ].join("\n");
}
