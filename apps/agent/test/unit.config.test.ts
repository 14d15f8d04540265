import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HelpRequested } from "@crowsnest/protocol/settings";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadAgentConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";

const URL_FLAG = ["--server-url", "ws://127.0.0.1:8080/ws/agent"];

function config(argv: string[], env: NodeJS.ProcessEnv = {}) {
  return loadAgentConfig(argv, env);
}

describe("configuration", () => {
  it("has the documented defaults", () => {
    expect(config(URL_FLAG)).toMatchObject({
      stateDir: "./data/agent",
      intervalSeconds: 2,
      dockerHost: "unix:///var/run/docker.sock",
      logRatePerSecond: 1000,
      outboxBytes: 64 * 1024 * 1024,
      statsSource: "auto",
      logLevel: "info",
      token: null,
      caFile: null,
    });
  });

  it("reads the environment, and flags win over it", () => {
    const env = {
      CROWSNEST_SERVER_URL: "wss://example.test/ws/agent",
      CROWSNEST_INTERVAL: "5",
      DOCKER_HOST: "tcp://127.0.0.1:2375",
    };
    expect(config([], env)).toMatchObject({ intervalSeconds: 5, dockerHost: "tcp://127.0.0.1:2375" });
    expect(config(["--interval", "1"], env).intervalSeconds).toBe(1);
    expect(config([], env).serverUrl.href).toBe("wss://example.test/ws/agent");
    const rest = {
      ...env,
      CROWSNEST_TOKEN: "t0ken",
      CROWSNEST_STATE_DIR: "/var/lib/crowsnest",
      CROWSNEST_LOG_RATE: "250",
      CROWSNEST_OUTBOX_BYTES: "1048576",
      CROWSNEST_STATS_SOURCE: "api",
      CROWSNEST_CA_FILE: "/etc/crowsnest/ca.pem",
      CROWSNEST_LOG_LEVEL: "debug",
    };
    expect(config([], rest)).toMatchObject({
      token: "t0ken",
      stateDir: "/var/lib/crowsnest",
      logRatePerSecond: 250,
      outboxBytes: 1_048_576,
      statsSource: "api",
      caFile: "/etc/crowsnest/ca.pem",
      logLevel: "debug",
    });
    expect(config(["--log-rate", "10", "--log-level", "warn"], rest)).toMatchObject({
      logRatePerSecond: 10,
      logLevel: "warn",
    });
  });

  it("still takes a token that starts with a dash in the discouraged --token=value form", () => {
    // base64url tokens start with "-" one time in 64; `--token -x…` would read as another option.
    expect(config([...URL_FLAG, "--token=-Ab_9"]).token).toBe("-Ab_9");
  });

  describe("the token, kept out of argv", () => {
    const dir = mkdtempSync(join(tmpdir(), "crowsnest-token-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text, { mode: 0o600 });
      return path;
    };

    it("reads CROWSNEST_TOKEN, the form the server prints", () => {
      expect(config(URL_FLAG, { CROWSNEST_TOKEN: "-Ab_9" }).token).toBe("-Ab_9");
    });

    it("reads a token file from --token-file or CROWSNEST_TOKEN_FILE, trimmed", () => {
      const path = file("token", "  -Ab_9\n\n");
      expect(config([...URL_FLAG, "--token-file", path]).token).toBe("-Ab_9");
      expect(config(URL_FLAG, { CROWSNEST_TOKEN_FILE: path }).token).toBe("-Ab_9");
    });

    it("lets a flag win over the environment, whichever form each takes", () => {
      const path = file("flag-token", "from-file");
      expect(config([...URL_FLAG, "--token-file", path], { CROWSNEST_TOKEN: "from-env" }).token).toBe(
        "from-file",
      );
      expect(config([...URL_FLAG, "--token=from-flag"], { CROWSNEST_TOKEN_FILE: path }).token).toBe(
        "from-flag",
      );
    });

    it.each([
      [["--token=a", "--token-file", "/x"], {}, /--token and --token-file are both set/],
      [[], { CROWSNEST_TOKEN: "a", CROWSNEST_TOKEN_FILE: "/x" }, /CROWSNEST_TOKEN and CROWSNEST_TOKEN_FILE/],
      [["--token-file", "/nonexistent/crowsnest-token"], {}, /--token-file: cannot read .*ENOENT/],
      [[], { CROWSNEST_TOKEN_FILE: "/nonexistent/t" }, /^CROWSNEST_TOKEN_FILE: cannot read/],
      [["--token-file", "/"], {}, /--token-file: cannot read the token file \/: .*EISDIR/],
    ])("refuses %j %j", (argv, env, message) => {
      expect(() => config([...URL_FLAG, ...argv], env)).toThrow(ConfigError);
      expect(() => config([...URL_FLAG, ...argv], env)).toThrow(message);
    });

    it("refuses an empty or blank token file, naming it", () => {
      const path = file("blank", " \n\t\n");
      expect(() => config([...URL_FLAG, "--token-file", path])).toThrow(
        new ConfigError(`--token-file: the token file ${path} is empty`),
      );
    });
  });

  it("logs one JSON object per line, with the level, and nothing below the chosen level", () => {
    const lines: string[] = [];
    const log = createLogger("info", (line) => lines.push(line)).child({ component: "test" });
    log.debug("hidden");
    log.info("shown", { n: 1 });
    log.error("failed", { err: new Error("outer", { cause: new Error("inner") }) });
    expect(lines.every((line) => line.endsWith("\n"))).toBe(true);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { time: expect.any(String), level: "info", msg: "shown", component: "test", n: 1 },
      { time: expect.any(String), level: "error", msg: "failed", component: "test", err: "outer: inner" },
    ]);
  });

  it.each([
    [["--interval", "9", ...URL_FLAG], /^--interval="9" is not allowed: a whole number of s from 1 to 5$/],
    [["--interval", "1.5", ...URL_FLAG], /whole number/],
    [["--server-url", "http://x/ws/agent"], /ws:\/\/ or wss:\/\//],
    [[], /--server-url/],
    [["--stats-source", "magic", ...URL_FLAG], /auto, cgroup, api/],
    [["--bogus", ...URL_FLAG], /bogus/],
  ])("refuses %j", (argv, message) => {
    expect(() => config(argv)).toThrow(ConfigError);
    expect(() => config(argv)).toThrow(message);
  });

  it("names the variable a refused value came from, and never repeats a token", () => {
    expect(() => config(URL_FLAG, { CROWSNEST_OUTBOX_BYTES: "1000" })).toThrow(
      'CROWSNEST_OUTBOX_BYTES="1000" is not allowed: a whole number of bytes from 1048576 (1 MiB) to 1099511627776 (1 TiB)',
    );
    expect(() => config(URL_FLAG, { CROWSNEST_SERVER_URL: "x", CROWSNEST_TOKEN: "t" })).not.toThrow();
    expect(() => config(["--help"])).toThrow(HelpRequested);
  });

  it("the binary prints --help, and exits 2 with a clear message on bad configuration", () => {
    const main = resolve(import.meta.dirname, "../src/main.ts");
    const help = spawnSync(process.execPath, [main, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--server-url");
    const bad = spawnSync(process.execPath, [main, "--interval", "0", ...URL_FLAG], {
      encoding: "utf8",
      env: {},
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      'crowsnest-agent: --interval="0" is not allowed: a whole number of s from 1 to 5 (--help lists the settings)\n',
    );
  });
});
