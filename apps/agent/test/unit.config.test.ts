import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../src/config.ts";

const URL_FLAG = ["--server-url", "ws://127.0.0.1:8080/ws/agent"];

function config(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const parsed = parseConfig(argv, env);
  if (parsed.help) throw new Error("unexpected --help");
  return parsed.config;
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
  });

  it.each([
    [["--interval", "9", ...URL_FLAG], /between 1 and 5/],
    [["--interval", "1.5", ...URL_FLAG], /whole number/],
    [["--server-url", "http://x/ws/agent"], /ws:\/\/ or wss:\/\//],
    [[], /--server-url/],
    [["--stats-source", "magic", ...URL_FLAG], /auto, cgroup, api/],
    [["--bogus", ...URL_FLAG], /bogus/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseConfig(argv, {})).toThrow(ConfigError);
    expect(() => parseConfig(argv, {})).toThrow(message);
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
    expect(bad.stderr).toContain("--interval: must be between 1 and 5");
  });
});
