/**
 * compose.cluster.yaml (issue 15, for the scale-out of issue 14): checked as an operator's
 * `docker-compose config` sees it, and the HAProxy configuration it mounts checked by HAProxy
 * itself with the addresses compose gives it. No image registry is reachable here, so the
 * PostgreSQL, NATS and HAProxy images cannot be pulled; the same haproxy.cfg runs for real in
 * test/cluster, in front of three replicas.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/processes.ts";

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
    // nats-server requires that user and password of every client.
    const nats = /\n {2}nats:\n((?: {4}.*\n)+)/.exec(config)?.[1] ?? "";
    expect(nats).toContain("- --user\n    - crowsnest\n    - --pass\n    - compose-check-nats-password\n");

    // HAProxy checks its configuration with the addresses compose passes it.
    const { stderr } = await execFileAsync("haproxy", ["-c", "-f", "deploy/cluster/haproxy.cfg"], {
      cwd: ROOT,
      env: { ...process.env, ...proxy },
    });
    expect(stderr).not.toMatch(/ALERT/);
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
