/**
 * The container images and compose.yaml (issue 15): both images built on the project's own base
 * image (deploy/base-image.sh: no registry is reachable here), then run as a user would run them —
 * `docker run` of the server and of an agent with the Docker socket, enrolled with a token from the
 * server's CLI; and `docker-compose up` of compose.yaml. Image sizes and build times go to
 * BENCHMARKS.md.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ContainerView, Host } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { table } from "../../bench/report/format.ts";
import { withSection } from "../../bench/report/kept-sections.ts";
import { ApiClient } from "../support/api-client.ts";
import { docker, requireDockerEngine, TEST_IMAGE } from "../support/docker-cli.ts";
import { freePort, ROOT, waitFor } from "../support/processes.ts";
import { type BuiltImage, baseImage, buildImage, waitHealthy } from "./support/images.ts";

const execFileAsync = promisify(execFile);
const RUN = randomBytes(3).toString("hex");
const PASSWORD = "deploy-test-admin-password";
const SERVER_IMAGE = "crowsnest-server:test";
const AGENT_IMAGE = "crowsnest-agent:test";
/** The images' own HEALTHCHECK commands, probed every second instead of every 30 s. */
const FAST_HEALTH = ["--health-interval", "1s", "--health-start-period", "60s"];
const SOCKET_GID = String(statSync("/var/run/docker.sock").gid);

let base: string;
let baseBytes: number;
let server: BuiltImage;
let agent: BuiltImage;
const cleanups: (() => Promise<unknown>)[] = [];

interface Enrolment {
  hostId: string;
  token: string;
}

/** `host enrol` through the CLI inside a running server container (`crowsnest` on its PATH), as an operator would. */
async function enrol(exec: string[], name: string): Promise<Enrolment> {
  const { stdout } = await execFileAsync(exec[0] as string, [
    ...exec.slice(1),
    "crowsnest",
    "host",
    "enrol",
    name,
    "--json",
  ]);
  return JSON.parse(stdout) as Enrolment;
}

/**
 * Follows the first run's hint in `docker logs` as a user would: runs the command it names in the
 * container, the new password on stdin, so the test knows it.
 */
async function followPasswordHint(container: string, password: string): Promise<string> {
  const logs = await execFileAsync("docker", ["logs", container]);
  const hint = /change it with `([^`]+)`/.exec(logs.stdout + logs.stderr)?.[1];
  if (hint === undefined) throw new Error(`no password hint in the server's log:\n${logs.stderr}`);
  const run = execFileAsync("docker", ["exec", "-i", container, "sh", "-c", hint]);
  run.child.stdin?.end(`${password}\n`);
  await run;
  return hint;
}

/** Waits until the host is online and `/api/containers` lists `containerId` on it, running. */
async function seesContainer(api: ApiClient, hostId: string, containerId: string): Promise<ContainerView> {
  return waitFor(
    `container ${containerId.slice(0, 12)} running on host ${hostId} in /api/containers`,
    async () => {
      const host = await api.get<Host>(`/api/hosts/${hostId}`);
      if (!host.online) return null;
      const all = await api.get<ContainerView[]>("/api/containers");
      return all.find((c) => c.hostId === hostId && c.id === containerId && c.state === "running") ?? null;
    },
    60_000,
    500,
  );
}

function writeFigures(): void {
  const mb = (bytes: number) => `${Math.round(bytes / 1_000_000)} MB`;
  const s = (ms: number) => `${Math.round(ms / 1000)} s`;
  const day = new Date().toISOString().slice(0, 10);
  const path = join(ROOT, "BENCHMARKS.md");
  const body = [
    "## Container images",
    "",
    `Written by \`test/deploy/images.test.ts\` (${day}): \`deploy/server.Dockerfile\` and \`deploy/agent.Dockerfile\`,`,
    `built one after the other on the project's base image \`${base}\` (Debian minbase, Node.js and npm;`,
    "`deploy/base-image.sh`), with the classic builder on the vfs storage driver, npm packages",
    "downloaded afresh, while other tests shared the machine. Size: `docker image inspect`'s, every",
    "layer counted, the base image's included.",
    "",
    table(
      ["image", "size", "of which the base image", "build time"],
      [
        ["`crowsnest-server` (dashboard included)", mb(server.bytes), mb(baseBytes), s(server.buildMs)],
        ["`crowsnest-agent`", mb(agent.bytes), mb(baseBytes), s(agent.buildMs)],
      ],
    ),
  ].join("\n");
  writeFileSync(path, withSection(readFileSync(path, "utf8"), "container-images", body));
}

beforeAll(async () => {
  await requireDockerEngine();
  base = await baseImage();
  baseBytes = Number(await docker("image", "inspect", "--format", "{{.Size}}", base));
  agent = await buildImage("agent", base, AGENT_IMAGE);
  server = await buildImage("server", base, SERVER_IMAGE);
  // Figures of real builds only: a build from the layer cache keeps the last ones.
  if (!agent.cached && !server.cached) writeFigures();
}, 900_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}, 120_000);

describe("the images", () => {
  it("carry OCI labels and run as the unprivileged user node", async () => {
    for (const [image, title] of [
      [SERVER_IMAGE, "crowsnest-server"],
      [AGENT_IMAGE, "crowsnest-agent"],
    ] as const) {
      const labels = JSON.parse(
        await docker("image", "inspect", "--format", "{{json .Config.Labels}}", image),
      );
      expect(labels["org.opencontainers.image.title"]).toBe(title);
      expect(labels["org.opencontainers.image.version"]).toMatch(/^\d+\.\d+\.\d+$/);
      expect(labels["org.opencontainers.image.revision"]).toMatch(/^[0-9a-f]{40}$/);
      expect(await docker("image", "inspect", "--format", "{{.Config.User}}", image)).toBe("node");
    }
  });

  it("docker run: the server, an agent with the Docker socket enrolled by a token, its containers in /api/containers", async () => {
    const port = await freePort();
    const serverName = `cn-deploy-server-${RUN}`;
    const agentName = `cn-deploy-agent-${RUN}`;
    const watched = `cn-deploy-watched-${RUN}`;
    const volumes = [`cn-deploy-data-${RUN}`, `cn-deploy-state-${RUN}`];
    // Run in reverse: the containers go first, then their volumes.
    cleanups.push(() => docker("volume", "rm", ...volumes));
    cleanups.push(() => docker("rm", "-f", "-v", serverName, agentName, watched));

    // No bridge on this Engine: both on the host's network, the server on a free port.
    await docker(
      "run",
      "-d",
      "--name",
      serverName,
      "--network",
      "host",
      ...FAST_HEALTH,
      "-e",
      `CROWSNEST_PORT=${port}`,
      "-v",
      `${volumes[0]}:/var/lib/crowsnest`,
      SERVER_IMAGE,
    );
    await waitHealthy(serverName, 90_000);
    // No CROWSNEST_ADMIN_PASSWORD: the generated one is printed with a hint that works in the image.
    expect(await followPasswordHint(serverName, PASSWORD)).toBe("crowsnest user reset-password admin");
    const baseUrl = `http://127.0.0.1:${port}`;
    expect((await fetch(`${baseUrl}/login`)).status).toBe(200); // the dashboard, from the same port
    expect(await docker("exec", serverName, "id", "-u")).toBe("1000");

    const { hostId, token } = await enrol(["docker", "exec", serverName], "docker-run-host");
    // The token from a file only the agent's user can read (CROWSNEST_TOKEN_FILE).
    const dir = mkdtempSync(join(tmpdir(), "cn-deploy-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    chmodSync(dir, 0o755);
    await execFileAsync("chown", ["1000:1000", tokenFile]);

    const watchedId = await docker(
      "run",
      "-d",
      "--name",
      watched,
      "--network",
      "none",
      TEST_IMAGE,
      "sleep",
      "600",
    );
    await docker(
      "run",
      "-d",
      "--name",
      agentName,
      "--network",
      "host",
      ...FAST_HEALTH,
      "--group-add",
      SOCKET_GID,
      "-v",
      "/var/run/docker.sock:/var/run/docker.sock",
      "-v",
      `${tokenFile}:/run/secrets/crowsnest-token:ro`,
      "-v",
      `${volumes[1]}:/var/lib/crowsnest-agent`,
      "-e",
      `CROWSNEST_SERVER_URL=ws://127.0.0.1:${port}/ws/agent`,
      "-e",
      "CROWSNEST_TOKEN_FILE=/run/secrets/crowsnest-token",
      AGENT_IMAGE,
    );

    const api = await ApiClient.login(baseUrl, "admin", PASSWORD);
    const seen = await seesContainer(api, hostId, watchedId);
    expect(seen.names.map((n) => n.replace(/^\//, ""))).toContain(watched);
    const agentId = await docker("inspect", "--format", "{{.Id}}", agentName);
    await seesContainer(api, hostId, agentId); // the agent's own container too
    await waitHealthy(agentName, 60_000);
    expect(await docker("exec", agentName, "id", "-u")).toBe("1000");
  }, 240_000);

  it("compose.yaml: checked by docker-compose config, brought up, enrolled, healthy, torn down", async () => {
    const port = await freePort();
    const project = `cn-deploy-${RUN}`;
    // The images' own health checks, probed faster; compose.yaml itself stays as shipped.
    const dir = mkdtempSync(join(tmpdir(), "cn-compose-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const override = join(dir, "fast-health.yaml");
    writeFileSync(
      override,
      "services:\n  server:\n    healthcheck: { interval: 1s }\n  agent:\n    healthcheck: { interval: 1s }\n",
    );
    const env = {
      ...process.env,
      COMPOSE_PROJECT_NAME: project,
      CROWSNEST_TAG: "test",
      CROWSNEST_PORT: String(port),
      CROWSNEST_ADMIN_PASSWORD: PASSWORD,
      DOCKER_GID: SOCKET_GID,
    };
    const compose = (args: string[], extra: Record<string, string> = {}) =>
      execFileAsync("docker-compose", ["-f", "compose.yaml", "-f", override, ...args], {
        cwd: ROOT,
        env: { ...env, ...extra },
      });
    cleanups.push(() => compose(["down", "--volumes", "--timeout", "5"]));

    const { stdout: config } = await compose(["config"]);
    expect(config).toContain("image: crowsnest-server:test");
    expect(config).toMatch(new RegExp(`group_add:\\s+- '?${SOCKET_GID}'?\\n`));
    await expect(
      execFileAsync("docker-compose", ["-f", "compose.yaml", "config", "-q"], {
        cwd: ROOT,
        env: { ...env, DOCKER_GID: "" },
      }),
    ).rejects.toThrow(/DOCKER_GID/);

    await compose(["up", "-d", "--no-build", "server"]);
    const serverId = (await compose(["ps", "-q", "server"])).stdout.trim();
    await waitHealthy(serverId, 90_000);
    const { hostId, token } = await enrol(["docker", "exec", serverId], "compose-host");
    await compose(["up", "-d", "--no-build", "agent"], { CROWSNEST_TOKEN: token });
    const agentId = (await compose(["ps", "-q", "agent"])).stdout.trim();
    const api = await ApiClient.login(`http://127.0.0.1:${port}`, "admin", PASSWORD);
    await seesContainer(api, hostId, serverId);
    await waitHealthy(agentId, 60_000);

    await compose(["down", "--volumes", "--timeout", "5"]);
    await expect(docker("inspect", serverId)).rejects.toThrow();
    // Its own waits allow up to 150 s on a loaded machine (server health 90 s, agent 60 s).
  }, 240_000);
});
