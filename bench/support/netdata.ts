import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const NETDATA = "/usr/sbin/netdata";

/**
 * Debian's Netdata, reduced to its cgroups collector at a 1 s update: every other collector,
 * health, ML and the registry are off, and its web API listens on loopback only (the harness
 * asks it how many containers it charts), so what is measured is the cost of
 * watching containers (a default install runs proc, apps.plugin and more besides). Telemetry is
 * opted out three ways so that nothing leaves the machine.
 */
function config(dir: string, port: number): string {
  const plugins = ["proc", "diskspace", "tc", "idlejitter", "timex", "checks", "statsd", "apps"]
    .concat(["charts.d", "python.d", "go.d", "ebpf", "perf", "slabinfo", "nfacct", "fping", "ioping"])
    .concat(["cups", "freeipmi", "systemd-journal", "logs-management", "netdata monitoring"])
    .map((name) => `  ${name} = no`);
  return [
    "[global]",
    "  run as user = root",
    "  hostname = crowsnest-bench",
    "[db]",
    "  mode = ram",
    "  update every = 1",
    "[directories]",
    `  config = ${join(dir, "etc")}`,
    "  stock config = /usr/lib/netdata/conf.d",
    `  log = ${join(dir, "log")}`,
    `  cache = ${join(dir, "cache")}`,
    `  lib = ${join(dir, "lib")}`,
    `  home = ${dir}`,
    "[logs]",
    "  debug log = none",
    "  error log = none",
    "  access log = none",
    "[web]",
    `  bind to = 127.0.0.1:${port}`,
    "[registry]",
    "  enabled = no",
    "[cloud]",
    "  enabled = no",
    "[health]",
    "  enabled = no",
    "[ml]",
    "  enabled = no",
    "[plugins]",
    "  enable running new plugins = no",
    "  cgroups = yes",
    ...plugins,
    "[plugin:cgroups]",
    "  update every = 1",
    "  check for new cgroups every = 10",
    // The containers are accounted in the v1 controllers; the hybrid v2 tree beside them is empty.
    "  use unified cgroups = no",
    "",
  ].join("\n");
}

/** Starts Netdata in the foreground with its own config and directories under `dir`. */
export function startNetdata(dir: string, port: number): ChildProcess {
  if (!netdataInstalled()) throw new Error(`no Netdata at ${NETDATA}: apt-get install -y netdata`);
  for (const sub of ["etc", "log", "cache", "lib"]) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, "etc", ".opt-out-from-anonymous-statistics"), "");
  writeFileSync(join(dir, "netdata.conf"), config(dir, port));
  return spawn(NETDATA, ["-D", "-c", join(dir, "netdata.conf")], {
    env: { ...process.env, DISABLE_TELEMETRY: "1", DO_NOT_TRACK: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
}

/** Whether Debian's Netdata is installed here: the bench compares against it only then (CI has none). */
export function netdataInstalled(): boolean {
  return existsSync(NETDATA);
}

/**
 * Command names (/proc/<pid>/comm) of Netdata and the helpers it starts: what must be gone once the
 * harness has stopped it.
 */
export const NETDATA_COMMANDS = ["netdata", "cgroup-network", "cgroup-name.sh", "local-listeners"];

/** "v1.37.1", or why there is none. */
export function netdataVersion(): string {
  try {
    return execFileSync(NETDATA, ["-v"], { encoding: "utf8" })
      .trim()
      .replace(/^netdata /, "");
  } catch (err) {
    return `not runnable: ${(err as Error).message.split("\n")[0]}`;
  }
}
