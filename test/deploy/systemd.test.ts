/**
 * The agent's systemd service (issue 15): deploy/install-agent.sh run into a temporary root writes
 * the unit, the environment file holding the token (mode 600) and the state directory (mode 700);
 * `systemd-analyze verify` accepts the unit with no warning and `systemd-analyze security` rates its
 * hardening; the agent started as the unit starts it (its ExecStart, its environment file) is
 * welcomed by a real server and keeps its credential in the state directory.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Host } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/api-client.ts";
import { ADMIN_PASSWORD, ROOT, ServerProcess, waitFor } from "../support/processes.ts";

const SCRIPT = join(ROOT, "deploy/install-agent.sh");
const UNIT = join(ROOT, "deploy/systemd/crowsnest-agent.service");
/** The PATH of a root shell: no node_modules/.bin (which vitest puts first), so no crowsnest-agent on it. */
const PATH = (process.env.PATH ?? "")
  .split(":")
  .filter((dir) => !dir.includes("node_modules"))
  .join(":");
const SOCKET_GROUP = spawnSync("stat", ["-c", "%G", "/var/run/docker.sock"], {
  encoding: "utf8",
}).stdout.trim();

/** deploy/install-agent.sh into `root`, `stdin` as its standard input. */
function install(root: string, args: string[], stdin: string) {
  return spawnSync("bash", [SCRIPT, "--root", root, ...args], {
    input: stdin,
    encoding: "utf8",
    env: { PATH },
  });
}

/** `KEY=value` lines of an environment file, comments left out. */
function envFile(path: string): Record<string, string> {
  const entries = readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]);
  return Object.fromEntries(entries);
}

/** The values of a key in the unit's [Service] section. */
function unitValues(text: string, key: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe("the agent's systemd unit and install script", () => {
  let root: string;
  let server: ServerProcess;
  let dataDir: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "crowsnest-systemd-"));
    dataDir = mkdtempSync(join(tmpdir(), "crowsnest-systemd-server-"));
    server = await ServerProcess.start({ dataDir });
  });
  afterAll(async () => {
    await server?.stop();
    for (const dir of [root, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("verifies the unit as shipped with systemd-analyze, without a warning", () => {
    const verify = spawnSync("systemd-analyze", ["verify", UNIT], { encoding: "utf8" });
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stderr).toBe("");
    const text = readFileSync(UNIT, "utf8");
    for (const [key, value] of [
      ["NoNewPrivileges", "yes"],
      ["ProtectSystem", "strict"],
      ["ReadWritePaths", "/var/lib/crowsnest-agent"],
      ["SupplementaryGroups", "docker"],
      ["EnvironmentFile", "/etc/crowsnest-agent/agent.env"],
      ["Restart", "on-failure"],
      ["User", "crowsnest-agent"],
    ]) {
      expect(unitValues(text, key as string), key).toEqual([value]);
    }
  });

  it("refuses to install without a ws:// or wss:// --server-url, with exit code 2", () => {
    const res = install(root, ["--server-url", "http://nope"], "");
    expect(res.status).toBe(2);
    expect(res.stderr).toContain("--server-url: a URL starting with ws:// or wss://");
  });

  it("installs into a root: the unit, the token's file (600), the state directory (700); verified", async () => {
    const { hostId, token } = JSON.parse(
      await server.cli("host", "enrol", "systemd-host", "--json", "--server-url", server.baseUrl),
    ) as { hostId: string; token: string };
    const res = install(root, ["--server-url", server.agentUrl], `${token}\n`);
    expect(res.status, res.stderr).toBe(0);
    // The token came on stdin: no command the script runs or prints names it.
    expect(res.stdout).not.toContain(token);
    expect(res.stdout).toContain("would run: useradd --system");
    expect(res.stdout).toContain("would run: systemctl enable --now crowsnest-agent.service");

    const envPath = join(root, "etc/crowsnest-agent/agent.env");
    const unitPath = join(root, "etc/systemd/system/crowsnest-agent.service");
    const stateDir = join(root, "var/lib/crowsnest-agent");
    expect(mode(envPath)).toBe("600");
    expect(mode(stateDir)).toBe("700");
    expect(mode(unitPath)).toBe("644");
    expect(envFile(envPath)).toEqual({ CROWSNEST_SERVER_URL: server.agentUrl, CROWSNEST_TOKEN: token });

    const unit = readFileSync(unitPath, "utf8");
    expect(unitValues(unit, "SupplementaryGroups")).toEqual([SOCKET_GROUP]);
    const [execStart] = unitValues(unit, "ExecStart");
    expect(execStart).toBe(`${ROOT}/node_modules/node/bin/node ${ROOT}/apps/agent/src/main.ts`);
    const verify = spawnSync("systemd-analyze", ["verify", unitPath], { encoding: "utf8" });
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stderr).toBe("");
    // systemd's own rating of the sandbox: 0 is the tightest, 10 none; 3.3 at the time of writing.
    const security = spawnSync("systemd-analyze", ["security", "--offline=true", unitPath], {
      encoding: "utf8",
    });
    const exposure = Number(
      /Overall exposure level for crowsnest-agent\.service: ([\d.]+)/.exec(security.stdout)?.[1],
    );
    expect(exposure, security.stdout).toBeLessThanOrEqual(4);

    // Started as systemd would: ExecStart with the environment file and the unit's Environment=,
    // the state directory under the test's root. The server welcomes it; it keeps a credential.
    const environment = Object.fromEntries(
      unitValues(unit, "Environment")
        .flatMap((line) => line.split(" "))
        .map((pair) => pair.split("=") as [string, string]),
    );
    const [command, ...args] = (execStart as string).split(" ");
    const agent = spawn(command as string, args, {
      env: { PATH, ...envFile(envPath), ...environment, CROWSNEST_STATE_DIR: stateDir },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let output = "";
    agent.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      await waitFor(
        () => `the agent's credential in ${stateDir}\n${output}`,
        async () => existsSync(join(stateDir, "credential")),
        30_000,
      );
      const api = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
      await waitFor("the host online", async () => {
        const hosts = await api.get<Host[]>("/api/hosts");
        return hosts.find((h) => h.id === hostId)?.online;
      });
    } finally {
      agent.kill("SIGTERM");
    }
  });

  it("raises the inotify instance limit to at least 1024 in /etc/sysctl.d and now; --no-sysctl leaves it", () => {
    const fresh = mkdtempSync(join(tmpdir(), "crowsnest-systemd-sysctl-"));
    try {
      const now = Number(readFileSync("/proc/sys/fs/inotify/max_user_instances", "utf8"));
      const wanted = Math.max(1024, now);
      const res = install(fresh, ["--server-url", "wss://crowsnest.example/ws/agent"], "");
      expect(res.status, res.stderr).toBe(0);
      const conf = readFileSync(join(fresh, "etc/sysctl.d/60-crowsnest-agent.conf"), "utf8");
      expect(conf).toContain(`\nfs.inotify.max_user_instances = ${wanted}\n`);
      // Never lowered: the command runs only when the host allows fewer.
      expect(res.stdout.includes(`would run: sysctl -w fs.inotify.max_user_instances=${wanted}`)).toBe(
        now < wanted,
      );

      const kept = install(fresh, ["--server-url", "wss://crowsnest.example/ws/agent", "--no-sysctl"], "");
      expect(kept.status, kept.stderr).toBe(0);
      expect(kept.stdout).not.toContain("would run: sysctl");
      expect(kept.stdout).not.toContain("60-crowsnest-agent.conf");
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it("warns (refuses without --root) about a checkout the service's user cannot reach", () => {
    // A checkout of the script and unit with an installed Node.js, placed where the unit's user
    // cannot reach it: under /tmp (hidden by PrivateTmp=), and behind a mode-700 directory.
    const place = (parent: string): string => {
      const checkout = join(parent, "checkout");
      mkdirSync(join(checkout, "deploy/systemd"), { recursive: true });
      mkdirSync(join(checkout, "node_modules/node/bin"), { recursive: true });
      copyFileSync(SCRIPT, join(checkout, "deploy/install-agent.sh"));
      copyFileSync(UNIT, join(checkout, "deploy/systemd/crowsnest-agent.service"));
      writeFileSync(join(checkout, "node_modules/node/bin/node"), "#!/bin/sh\n", { mode: 0o755 });
      return checkout;
    };
    const inTmp = mkdtempSync(join(tmpdir(), "crowsnest-install-checkout-"));
    const closed = mkdtempSync("/run/crowsnest-install-checkout-");
    chmodSync(closed, 0o700);
    const target = mkdtempSync(join(tmpdir(), "crowsnest-install-root-"));
    try {
      const run = (checkout: string, args: string[]) =>
        spawnSync("bash", [join(checkout, "deploy/install-agent.sh"), ...args], {
          input: "",
          encoding: "utf8",
          env: { PATH },
        });
      const args = ["--server-url", "wss://crowsnest.example/ws/agent", "--no-sysctl"];

      const hidden = place(inTmp);
      const dry = run(hidden, ["--root", target, ...args]);
      expect(dry.status, dry.stderr).toBe(0);
      expect(dry.stdout).toContain(
        `install-agent: warning: the service's user crowsnest-agent could not start the agent from ${hidden}: it is under a temporary directory`,
      );

      // Without --root the same finding stops the script before it changes anything (exit 2); the
      // test stays in --root, which never touches this machine.
      const behindClosed = place(closed);
      const warned = run(behindClosed, ["--root", target, ...args]);
      expect(warned.status, warned.stderr).toBe(0);
      expect(warned.stdout).toContain(
        `could not start the agent from ${behindClosed}: other users cannot enter ${closed} (mode 700)`,
      );
    } finally {
      for (const dir of [inTmp, closed, target]) rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps the token already installed when run again without one", () => {
    const envPath = join(root, "etc/crowsnest-agent/agent.env");
    const before = envFile(envPath);
    const res = install(root, ["--server-url", "wss://crowsnest.example/ws/agent"], "");
    expect(res.status, res.stderr).toBe(0);
    expect(envFile(envPath)).toEqual({ ...before, CROWSNEST_SERVER_URL: "wss://crowsnest.example/ws/agent" });
  });
});
