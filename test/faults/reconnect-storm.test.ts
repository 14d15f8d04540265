import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EnrolmentResponse } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Connection, CredentialStore, createLogger } from "../../apps/agent/src/index.ts";
import { ApiClient } from "../support/api-client.ts";
import { recordFigure } from "../support/figures.ts";
import { ADMIN_PASSWORD, ServerProcess, waitFor } from "../support/processes.ts";
import { helloMessage } from "../support/rig.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";

const AGENTS = 200;
const quiet = createLogger("error", () => undefined);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * 200 agents — the agent's own Connection class, one per simulated host, in this process — are
 * connected when the server is killed and restarted; their reconnect attempts must be spread by
 * jitter, and a browser's requests must keep being answered meanwhile.
 */
describe("200 agents reconnecting after a server restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-storm-"));
  let server: ServerProcess;
  let proxy: TcpProxy;
  const connections: Connection[] = [];

  beforeAll(async () => {
    server = await ServerProcess.start({ dataDir: join(dir, "server") });
    proxy = await TcpProxy.start(server.options.port);
  });

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.stop()));
    await proxy?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("spreads the reconnects and keeps answering browsers", async () => {
    const admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    let welcomed = 0;
    for (let i = 0; i < AGENTS; i++) {
      const res = await fetch(`${server.baseUrl}/api/hosts`, {
        method: "POST",
        headers: { cookie: admin.cookie, origin: server.baseUrl, "content-type": "application/json" },
        body: JSON.stringify({ name: `storm-${i}` }),
      });
      const { enrolmentToken } = (await res.json()) as EnrolmentResponse;
      const stateDir = join(dir, `agent-${i}`);
      mkdirSync(stateDir);
      const connection = new Connection({
        url: new URL(`ws://127.0.0.1:${proxy.port}/ws/agent`),
        ca: undefined,
        credentials: new CredentialStore(stateDir, enrolmentToken),
        log: quiet,
        handlers: {
          hello: () => helloMessage(`storm-${i}`),
          ready: () => {
            welcomed++;
          },
          message: () => undefined,
          badFrame: () => undefined,
          closed: () => undefined,
        },
      });
      connection.start();
      connections.push(connection);
    }
    await waitFor(`${AGENTS} agents welcomed (${welcomed})`, async () => welcomed >= AGENTS, 60_000);

    welcomed = 0;
    const killedAt = Date.now();
    proxy.accepts.length = 0;
    await server.process.kill("SIGKILL");
    const latencies: number[] = [];
    let failures = 0;
    const browsing = (async () => {
      while (welcomed < AGENTS && Date.now() - killedAt < 120_000) {
        await new Promise((r) => setTimeout(r, 100));
        if (!server.process.running) continue;
        const started = performance.now();
        const res = await fetch(`${server.baseUrl}/api/hosts`, { headers: { cookie: admin.cookie } }).catch(
          () => null,
        );
        if (res === null) continue; // still starting
        if (res.status === 200) latencies.push(performance.now() - started);
        else failures++;
        await res.text();
      }
    })();
    await new Promise((r) => setTimeout(r, 2_000));
    await server.restart();
    const restartedAt = Date.now();
    await waitFor(`${AGENTS} agents back (${welcomed})`, async () => welcomed >= AGENTS, 120_000);
    await browsing;

    // Attempts after the server was back: how many fell in the busiest 100 ms.
    const attempts = proxy.accepts.filter((t) => t >= restartedAt);
    let busiest = 0;
    for (const t of attempts)
      busiest = Math.max(busiest, attempts.filter((u) => u >= t && u < t + 100).length);
    const spreadMs = Math.max(...attempts) - Math.min(...attempts);
    recordFigure("200 agents reconnect storm", {
      attemptsWhileDownAndAfter: proxy.accepts.length,
      attemptsAfterRestart: attempts.length,
      busiest100ms: busiest,
      spreadMs,
      browserRequests: latencies.length,
      browserP50Ms: Math.round(percentile(latencies, 50)),
      browserP99Ms: Math.round(percentile(latencies, 99)),
      browserFailures: failures,
    });
    expect(busiest).toBeLessThan(AGENTS / 2);
    expect(spreadMs).toBeGreaterThan(1_000);
    expect(latencies.length).toBeGreaterThan(5);
    expect(failures).toBe(0);
  }, 300_000);
});
