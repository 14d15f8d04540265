import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { markdownTable } from "@crowsnest/protocol/settings";
import { afterAll, describe, expect, it } from "vitest";
import { AGENT_SETTINGS } from "../apps/agent/src/config.ts";
import { SERVER_SETTINGS } from "../apps/api/src/config.ts";
import { ROOT, ServerProcess, waitFor } from "./support/processes.ts";

/** Runs a program the way a user does and returns how it ended. */
function run(args: string[], env: NodeJS.ProcessEnv = {}, node = process.execPath) {
  const result = spawnSync(node, args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A Node.js older than the pinned one on this machine (Debian ships 20 at /usr/bin/node), or null. */
function olderSystemNode(): string | null {
  const candidates = execFileSync("sh", ["-c", "which -a node || true"], { encoding: "utf8" }).split("\n");
  for (const path of candidates.filter(Boolean)) {
    const version = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
    if (Number(version.slice(1).split(".")[0]) < 24) return path;
  }
  return null;
}

describe("a setting out of its range", () => {
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-startup-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [
      "crowsnest-server",
      ["apps/api/src/main.ts"],
      { CROWSNEST_ENROLMENT_TTL_MS: "20000", CROWSNEST_DATA_DIR: join(dir, "server") },
      'crowsnest-server: CROWSNEST_ENROLMENT_TTL_MS="20000" is not allowed: a whole number of ms, at least 60000 (1 min)',
    ],
    [
      "crowsnest-agent",
      ["apps/agent/src/main.ts", "--server-url", "ws://127.0.0.1:1/ws/agent"],
      { CROWSNEST_INTERVAL: "9" },
      'crowsnest-agent: CROWSNEST_INTERVAL="9" is not allowed: a whole number of s from 1 to 5',
    ],
    [
      "npm start",
      ["scripts/start.ts"],
      { CROWSNEST_PORT: "70000", CROWSNEST_DATA_DIR: join(dir, "start") },
      'npm start: CROWSNEST_PORT="70000" is not allowed: a whole number from 0 to 65535',
    ],
  ])("stops %s with one line naming it, exit code 2", (_name, args, env, line) => {
    const result = run(args, env);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`${line} (--help lists the settings)\n`);
  });

  it("every setting's range and default are in the README, as the programs derive them", () => {
    // Compared cell by cell: the formatter pads the README's columns, the generator does not.
    const cells = (markdown: string) =>
      markdown
        .split("\n")
        .map((line) =>
          line.startsWith("|")
            ? line
                .split("|")
                .map((cell) => cell.trim().replace(/^-+$/, "-"))
                .join("|")
            : line,
        )
        .join("\n");
    const readme = cells(readFileSync(join(ROOT, "README.md"), "utf8"));
    expect(readme).toContain(cells(markdownTable(SERVER_SETTINGS)));
    expect(readme).toContain(cells(markdownTable(AGENT_SETTINGS)));
  });
});

describe("an older system Node.js", () => {
  const node = olderSystemNode();

  it("is told which Node.js to run instead, before the .ts entry fails to load", () => {
    // These machines ship Node.js 20 as the system's (/usr/bin/node): its absence is a broken setup, not a skip.
    if (node === null)
      throw new Error("no Node.js older than 24 on PATH (expected Debian's at /usr/bin/node)");
    // What the check is for: a .ts entry file fails before any of its code runs.
    const direct = run(["apps/agent/src/main.ts", "--help"], {}, node);
    expect(direct.stderr).toContain("ERR_UNKNOWN_FILE_EXTENSION");
    // The npm scripts (`npm run agent`, `npm start`, …) go through the launcher.
    const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts as Record<
      string,
      string
    >;
    expect(scripts.agent).toBe("node scripts/run.mjs apps/agent/src/main.ts");
    const launched = run(["scripts/run.mjs", "apps/agent/src/main.ts", "--help"], {}, node);
    expect(launched.status).toBe(2);
    expect(launched.stderr).toMatch(
      /^crowsnest: this needs Node\.js 24 \(the version pinned in package\.json\), but .* is Node\.js 2\d\./,
    );
    expect(launched.stderr).toContain("node_modules/.bin/node apps/agent/src/main.ts --help");
    expect(launched.stderr).not.toContain("ERR_UNKNOWN_FILE_EXTENSION");
    // And the pinned Node.js runs the same command line.
    expect(run(["scripts/run.mjs", "apps/agent/src/main.ts", "--help"]).stdout).toContain("--server-url URL");
  });
});

describe("the start message", () => {
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-listen-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("says where the server listens and, on every interface, that it is plain HTTP and how to add TLS", async () => {
    const server = await ServerProcess.start({
      dataDir: join(dir, "all"),
      env: { CROWSNEST_HOST: "0.0.0.0" },
    });
    try {
      const { port } = server.options;
      await waitFor("the start message", async () => server.process.output.includes("[crowsnest] data:"));
      expect(server.process.output).toContain(
        `[crowsnest] listening on every interface (0.0.0.0), port ${port}: http://localhost:${port} from this machine`,
      );
      expect(server.process.output).toContain("this is plain HTTP");
      expect(server.process.output).toContain("put a TLS reverse proxy in front");
      expect(server.process.output).not.toContain(`http://localhost:8080`);
    } finally {
      await server.stop();
    }
  });

  it("says it serves this machine only on loopback, with no TLS advice", async () => {
    const server = await ServerProcess.start({ dataDir: join(dir, "loopback") });
    try {
      await waitFor("the start message", async () => server.process.output.includes("[crowsnest] data:"));
      expect(server.process.output).toContain(
        `[crowsnest] listening on http://127.0.0.1:${server.options.port} (this machine only)`,
      );
      expect(server.process.output).not.toContain("plain HTTP");
    } finally {
      await server.stop();
    }
  });
});
