/**
 * The dashboard's production build, made when it is missing or older than its sources: one
 * rule for `npm start` and for the browser tests, so neither serves a stale dashboard.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
export const WEB_DIR = join(ROOT, "apps", "web");

/** What the build is made from: a change to any of these makes it stale. */
const SOURCES = [
  join(WEB_DIR, "src"),
  join(WEB_DIR, "next.config.ts"),
  join(WEB_DIR, "package.json"),
  join(ROOT, "packages", "protocol", "src"),
];

/** Newest modification time of any file under the given paths. */
function newestMtime(paths: readonly string[]): number {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    if (stat.isFile()) {
      newest = Math.max(newest, stat.mtimeMs);
      continue;
    }
    for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

export function dashboardBuildIsStale(): boolean {
  const buildId = join(WEB_DIR, ".next", "BUILD_ID");
  return !existsSync(buildId) || statSync(buildId).mtimeMs < newestMtime(SOURCES);
}

/** Runs `npm run build` when the build is stale; `say` announces it. */
export function buildDashboardIfStale(say: (message: string) => void): void {
  if (!dashboardBuildIsStale()) return;
  say("building the dashboard (missing or older than its sources)");
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
}
