/**
 * compose.cluster.yaml (issue 15, for the scale-out of issue 14): checked as an operator's
 * `docker-compose config` sees it, and the HAProxy configuration it mounts checked by HAProxy
 * itself with the addresses compose gives it. No image registry is reachable here, so the
 * PostgreSQL, NATS and HAProxy images cannot be pulled; the same haproxy.cfg runs for real in
 * test/cluster, in front of three replicas.
 */
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { NATS_SERVER_BINARY } from "../support/cluster.ts";
import { freePort, ROOT, waitFor } from "../support/processes.ts";

const execFileAsync = promisify(execFile);
const FILE = "compose.cluster.yaml";
const ENV = {
  ...process.env,
  CROWSNEST_POSTGRES_PASSWORD: "compose-check-password",
  CROWSNEST_NATS_PASSWORD: "compose-check-nats-password",
};

function compose(args: string[], env: NodeJS.ProcessEnv = ENV) {
  return execFileAsync("docker-compose", ["-f", FILE, ...args], { cwd: ROOT, env });
}

/** The `environment:` entries of one service in `docker-compose config`'s output. */
function environmentOf(config: string, service: string): Record<string, string> {
  const block = new RegExp(`\\n  ${service}:\\n((?:    .*\\n|      .*\\n)+)`).exec(config)?.[1];
  if (block === undefined) throw new Error(`no service ${service} in:\n${config}`);
  const env = /\n? {4}environment:\n((?: {6}.*\n)+)/.exec(block)?.[1] ?? "";
  return Object.fromEntries(
    env
      .trimEnd()
      .split("\n")
      .map((line) => {
        const [key, ...value] = line.trim().split(": ");
        return [key as string, value.join(": ").replace(/^'(.*)'$/, "$1")];
      }),
  );
}

describe("compose.cluster.yaml", () => {
  it("runs three replicas on PostgreSQL and NATS behind HAProxy, which alone is published", async () => {
    const { stdout: services } = await compose(["config", "--services"]);
    expect(services.trim().split("\n").sort()).toEqual([
      "haproxy",
      "nats",
      "postgres",
      "server1",
      "server2",
      "server3",
    ]);

    const { stdout: config } = await compose(["config"]);
    const proxy = environmentOf(config, "haproxy");
    for (const name of ["server1", "server2", "server3"]) {
      const env = environmentOf(config, name);
      expect(env.CROWSNEST_DATABASE_URL).toBe(
        "postgres://crowsnest:compose-check-password@postgres:5432/crowsnest",
      );
      // The bus is a trust boundary: the replicas authenticate to it.
      expect(env.CROWSNEST_NATS_URL).toBe("nats://crowsnest:compose-check-nats-password@nats:4222");
      // The replicas believe X-Forwarded-For from HAProxy's fixed address and nobody else.
      expect(config).toContain(`ipv4_address: ${env.CROWSNEST_TRUSTED_PROXIES}`);
      expect(Object.values(proxy)).toContain(`${name}:8080`);
    }
    expect(config.match(/published: /g)).toHaveLength(1);
    // nats-server requires that user and password of every client (deploy/cluster/nats.conf,
    // checked for real below), the password in its environment and not in its command line.
    const nats = /\n {2}nats:\n((?: {4}.*\n)+)/.exec(config)?.[1] ?? "";
    expect(environmentOf(config, "nats")).toEqual({ CROWSNEST_NATS_PASSWORD: "compose-check-nats-password" });
    expect(nats).toContain(
      "command:\n    - --config\n    - /etc/nats/crowsnest.conf\n    - --jetstream\n    - --store_dir\n    - /data\n",
    );
    expect(nats).toContain(`- ${ROOT}/deploy/cluster/nats.conf:/etc/nats/crowsnest.conf:ro\n`);

    // HAProxy checks its configuration with the addresses compose passes it.
    const { stderr } = await execFileAsync("haproxy", ["-c", "-f", "deploy/cluster/haproxy.cfg"], {
      cwd: ROOT,
      env: { ...process.env, ...proxy },
    });
    expect(stderr).not.toMatch(/ALERT/);
  });

  it("has nats-server take its password from the environment through deploy/cluster/nats.conf", async () => {
    // Debian's nats-server with the file compose mounts; a password as the docs make one.
    const password = "n0123456789abcdef";
    const port = await freePort();
    const nats = spawn(
      NATS_SERVER_BINARY,
      ["-c", "deploy/cluster/nats.conf", "-a", "127.0.0.1", "-p", String(port)],
      { cwd: ROOT, env: { ...process.env, CROWSNEST_NATS_PASSWORD: password }, stdio: "ignore" },
    );
    try {
      const server = `127.0.0.1:${port}`;
      const client = await waitFor(
        "nats-server to accept the password",
        () => connect({ servers: server, user: "crowsnest", pass: password, reconnect: false }),
        10_000,
        50,
      );
      await client.close();
      await expect(
        connect({ servers: server, user: "crowsnest", pass: "another password", reconnect: false }),
      ).rejects.toThrow(/Authorization Violation/);
      expect(readFileSync(`/proc/${nats.pid}/cmdline`, "utf8")).not.toContain(password);
    } finally {
      nats.kill("SIGKILL");
    }
  });

  it("refuses to start without a database password", async () => {
    await expect(compose(["config", "-q"], { ...ENV, CROWSNEST_POSTGRES_PASSWORD: "" })).rejects.toThrow(
      /CROWSNEST_POSTGRES_PASSWORD/,
    );
  });

  it("refuses to start without a NATS password", async () => {
    await expect(compose(["config", "-q"], { ...ENV, CROWSNEST_NATS_PASSWORD: "" })).rejects.toThrow(
      /CROWSNEST_NATS_PASSWORD/,
    );
  });
});
