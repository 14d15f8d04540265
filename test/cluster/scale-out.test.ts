/**
 * Issue 14, "Prove it": three crowsnest-server replicas sharing PostgreSQL and NATS, HAProxy in
 * front (deploy/cluster/haproxy.cfg, the file compose.cluster.yaml mounts), a real agent on the
 * real Engine connected through HAProxy. PostgreSQL and NATS are the test's own instances
 * (test/support/postgres-server.ts, cluster.ts) so that they can be restarted under load.
 * Each case states which replica it talks to; the agent's holder is whichever replica HAProxy
 * gave it, found from each replica's /api/health/details.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerView, LiveMessage } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/api-client.ts";
import { NatsServer } from "../support/cluster.ts";
import {
  dockerLogLines,
  numberedLinesScript,
  removeLabelled,
  runContainer,
  runTestContainer,
} from "../support/containers.ts";
import { docker, requireDockerEngine } from "../support/docker-cli.ts";
import { recordFigure } from "../support/figures.ts";
import { HaproxyProcess } from "../support/haproxy.ts";
import { PostgresServer } from "../support/postgres-server.ts";
import {
  ADMIN_PASSWORD,
  type ManagedProcess,
  ServerProcess,
  startAgent,
  waitFor,
} from "../support/processes.ts";
import { expectOpen, type Opened, send } from "../support/raw-sockets.ts";

const LABEL = "crowsnest.test=cluster-scale-out";
const OPERATOR_PASSWORD = "operator-password-for-the-cluster";

interface HealthDetails {
  status: string;
  cluster: { mode: string; agentsHeldHere?: number };
}

describe("three replicas on PostgreSQL and NATS behind HAProxy", () => {
  let dir: string;
  let postgres: PostgresServer;
  let nats: NatsServer;
  let replicas: ServerProcess[];
  let proxy: HaproxyProcess;
  let agent: ManagedProcess;
  let hostId: string;
  let admins: ApiClient[];

  beforeAll(async () => {
    await requireDockerEngine();
    await removeLabelled(LABEL);
    dir = mkdtempSync(join(tmpdir(), "cn-cluster-"));
    postgres = await PostgresServer.create();
    nats = await NatsServer.start({ credentials: { user: "crowsnest", pass: "cluster-test-nats-password" } });
    const env = {
      CROWSNEST_DATABASE_URL: postgres.url(),
      CROWSNEST_NATS_URL: nats.url,
      // A closed session's sockets are found by the broadcast, not this sweep: keep it out of the way.
      CROWSNEST_LIVE_SESSION_CHECK_MS: "600000",
    };
    // The first replica makes the schema and the first admin; the others join an existing cluster.
    replicas = [await ServerProcess.start({ dataDir: join(dir, "r1"), env })];
    replicas.push(
      ...(await Promise.all(
        ["r2", "r3"].map((name) => ServerProcess.start({ dataDir: join(dir, name), env })),
      )),
    );
    proxy = await HaproxyProcess.start(replicas.map((r) => `127.0.0.1:${r.options.port}`));
    const host = await (replicas[0] as ServerProcess).addHost("cluster-host");
    hostId = host.hostId;
    agent = startAgent({ serverUrl: proxy.agentUrl, token: host.token, stateDir: join(dir, "agent") });
    admins = await Promise.all(replicas.map((r) => ApiClient.login(r.baseUrl, "admin", ADMIN_PASSWORD)));
    await waitFor(
      () => `the agent online on every replica\n${agent.output}`,
      async () => (await Promise.all(admins.map((a) => a.host(hostId)))).every((h) => h.online),
      60_000,
      250,
    );
  });

  afterAll(async () => {
    await agent?.kill();
    await proxy?.stop();
    for (const replica of replicas ?? []) await replica.stop();
    await nats?.stop();
    await postgres?.destroy();
    await removeLabelled(LABEL);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The index of the replica the agent is connected to now (through HAProxy), waiting until one holds it. */
  async function holder(): Promise<number> {
    return waitFor(
      () => `one replica holding the agent\n${agent.output}`,
      async () => {
        const held = await Promise.all(
          replicas.map(async (replica, i) => {
            if (!replica.process.running) return 0;
            const details = await admins[i]?.get<HealthDetails>("/api/health/details").catch(() => null);
            return details?.cluster.agentsHeldHere ?? 0;
          }),
        );
        const holders = held.flatMap((n, i) => (n > 0 ? [i] : []));
        return holders.length === 1 ? (holders[0] as number) + 1 : null;
      },
      30_000,
      250,
    ).then((i) => i - 1);
  }

  /** A /ws/live socket on the replica, signed in as the client, watching the topic. */
  async function watch(client: ApiClient, replica: ServerProcess, topic: object): Promise<Opened> {
    const opened = await expectOpen(`${replica.baseUrl.replace(/^http/, "ws")}/ws/live`, {
      cookie: client.cookie,
      origin: replica.baseUrl,
    });
    send(opened, { type: "subscribe", topic });
    return opened;
  }

  async function waitForContainer(containerId: string): Promise<void> {
    await waitFor(
      `container ${containerId.slice(0, 12)} in the inventory`,
      async () => {
        const list = await (admins[0] as ApiClient).get<ContainerView[]>(`/api/hosts/${hostId}/containers`);
        return list.some((c) => c.id === containerId);
      },
      60_000,
      250,
    );
  }

  it("relays a container's log line and metric sample to a browser on a replica that does not hold the agent", async () => {
    const held = await holder();
    const other = (held + 1) % 3;
    const containerId = await runTestContainer(
      LABEL,
      "i=0; while :; do i=$((i+1)); echo cluster-line-$i; sleep 1; done",
    );
    await waitForContainer(containerId);
    const browser = await watch(admins[other] as ApiClient, replicas[other] as ServerProcess, {
      kind: "container",
      hostId,
      containerId,
    });
    const messages = () => browser.messages as LiveMessage[];
    await waitFor(
      () => `a live log line and metric sample on replica ${other + 1} (agent on ${held + 1})`,
      async () => {
        const line = messages().some(
          (m) => m.type === "logs" && m.lines.some((l) => l.text.startsWith("cluster-line-")),
        );
        const sample = messages().some(
          (m) => m.type === "metrics" && m.samples.some((s) => s.containerId === containerId),
        );
        return line && sample;
      },
      30_000,
      100,
    );
    browser.socket.close();
    await docker("rm", "-f", containerId);
  });

  it("refuses an OPERATOR's stop of a protected container on one replica and runs an ADMIN's from another on the agent held by the third", async () => {
    const held = await holder();
    const [first, second] = [(held + 1) % 3, (held + 2) % 3];
    const created = await fetch(`${replicas[first]?.baseUrl}/api/users`, {
      method: "POST",
      headers: {
        cookie: admins[first]?.cookie ?? "",
        origin: replicas[first]?.baseUrl ?? "",
        "content-type": "application/json",
      },
      body: JSON.stringify({ username: "cluster-operator", password: OPERATOR_PASSWORD, role: "OPERATOR" }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const operator = await ApiClient.login(
      replicas[first]?.baseUrl ?? "",
      "cluster-operator",
      OPERATOR_PASSWORD,
    );
    const containerId = await runContainer({
      label: LABEL,
      args: ["--label", "com.docker.dashboard.protected=true"],
      command: ["sleep", "1000"],
    });
    await waitForContainer(containerId);

    const stop = (client: ApiClient, replica: ServerProcess) =>
      fetch(`${replica.baseUrl}/api/hosts/${hostId}/containers/${containerId}/actions`, {
        method: "POST",
        headers: { cookie: client.cookie, origin: replica.baseUrl, "content-type": "application/json" },
        body: JSON.stringify({ action: "stop", options: { timeoutSeconds: 0 } }),
      });
    const refused = await stop(operator, replicas[first] as ServerProcess);
    expect(refused.status, await refused.clone().text()).toBe(403);
    expect(await docker("inspect", "--format", "{{.State.Status}}", containerId)).toBe("running");

    const allowed = await stop(admins[second] as ApiClient, replicas[second] as ServerProcess);
    expect(allowed.status, await allowed.clone().text()).toBe(200);
    expect(await docker("inspect", "--format", "{{.State.Status}}", containerId)).toBe("exited");

    const { entries } = await (admins[held] as ApiClient).get<{
      entries: { action: string; result: string; actor: { username: string } | null }[];
    }>(`/api/audit?container=${containerId}`);
    // Once each: the refusal, and the allowed attempt with its outcome (written by the replica
    // that took the request, not again by the one holding the agent).
    expect(entries.map((e) => [e.action, e.result]).sort()).toEqual([
      ["stop", "allowed"],
      ["stop", "denied"],
      ["stop", "succeeded"],
    ]);
  });

  it("closes a session's live sockets on the other replicas when it logs out on one", async () => {
    const client = await ApiClient.login(replicas[0]?.baseUrl ?? "", "admin", ADMIN_PASSWORD);
    const sockets = await Promise.all(
      [1, 2].map((i) => watch(client, replicas[i] as ServerProcess, { kind: "fleet" })),
    );
    await Promise.all(
      sockets.map((s) =>
        waitFor("subscribed", async () => s.messages.some((m) => (m as LiveMessage).type === "subscribed")),
      ),
    );
    const started = performance.now();
    const loggedOut = await fetch(`${replicas[0]?.baseUrl}/api/auth/logout`, {
      method: "POST",
      headers: { cookie: client.cookie, origin: replicas[0]?.baseUrl ?? "" },
    });
    expect(loggedOut.status).toBe(204);
    const closed = await Promise.all(sockets.map((s) => s.closed));
    recordFigure("cluster: logout on one replica closes sockets on two others", {
      closedAfterLogoutSentMs: Math.round(performance.now() - started),
    });
    expect(closed.map((c) => c.code)).toEqual([4003, 4003]);
  });

  /**
   * A container writing 500 lines/s while `disturb` runs; afterwards every line `docker logs`
   * has must be stored exactly once. Returns the lines written.
   */
  async function underLoad(name: string, disturb: () => Promise<void>): Promise<number> {
    const containerId = await runTestContainer(LABEL, numberedLinesScript(500));
    await waitForContainer(containerId);
    const api = admins[0] as ApiClient;
    await waitFor(
      `${name}: the first lines stored`,
      async () => (await api.allLogLines(hostId, containerId)).length > 500,
      30_000,
      500,
    );
    await disturb();
    await new Promise((r) => setTimeout(r, 3_000));
    await docker("kill", containerId);
    const written = await dockerLogLines(containerId);
    const stored = await waitFor(
      () => `${name}: all ${written.length} lines stored\n${agent.output}`,
      async () => {
        const lines = await api.allLogLines(hostId, containerId);
        return lines.length >= written.length ? lines.map((l) => l.text) : null;
      },
      120_000,
      1_000,
    );
    expect(new Set(stored).size).toBe(stored.length);
    expect(stored).toEqual(written);
    return written.length;
  }

  it("SIGKILL of the replica holding the agent: it is back through HAProxy on another, every line stored once", async () => {
    const held = await holder();
    let backAfterMs = 0;
    const written = await underLoad("replica killed", async () => {
      await replicas[held]?.process.kill("SIGKILL");
      const killedAt = performance.now();
      const after = await holder();
      backAfterMs = Math.round(performance.now() - killedAt);
      expect(after).not.toBe(held);
    });
    recordFigure("cluster: SIGKILL of the agent's replica at 500 lines/s", {
      linesWritten: written,
      backAfterMs,
    });
    await replicas[held]?.restart();
    admins[held] = await ApiClient.login(replicas[held]?.baseUrl ?? "", "admin", ADMIN_PASSWORD);
  }, 240_000);

  /** Each replica's public /api/health status code, in replica order. */
  async function healthStatuses(): Promise<number[]> {
    return Promise.all(replicas.map(async (r) => (await fetch(`${r.baseUrl}/api/health`)).status));
  }

  /** Waits until every replica's /api/health answers `status`. */
  async function everyHealth(status: number, what: string): Promise<void> {
    await waitFor(
      () =>
        `every replica's /api/health ${status} (${what})\n${replicas.map((r) => r.process.output.slice(-1500)).join("\n---\n")}`,
      async () => (await healthStatuses()).every((s) => s === status),
      60_000,
      250,
    );
  }

  it("NATS restarted, then PostgreSQL: nothing acknowledged lost, nothing stored twice, the outage shown on /api/health", async () => {
    const written = await underLoad("NATS and PostgreSQL restarted", async () => {
      await nats.stop();
      // Every replica says so on its public health check while the bus is gone, and again
      // while the database is.
      await everyHealth(503, "NATS down");
      await nats.start();
      await everyHealth(200, "NATS back");
      await postgres.stop();
      await everyHealth(503, "PostgreSQL down");
      await new Promise((r) => setTimeout(r, 3_000));
      await postgres.start();
      await everyHealth(200, "PostgreSQL back");
    });
    recordFigure("cluster: NATS then PostgreSQL restarted at 500 lines/s", { linesWritten: written });
  }, 300_000);
});
