import { mkdtemp } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AgentMessage, PROTOCOL_VERSION } from "@crowsnest/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { Connection } from "../src/connection/connection.ts";
import { createLogger } from "../src/logger.ts";
import { CredentialStore } from "../src/state/credential-store.ts";

// The agent's side of the heartbeat, against a real ws server: it pings, and drops (then
// reconnects) a connection whose server stopped answering, which is how a half-open TCP
// connection is noticed. A short heartbeat keeps the test quick; production uses 10 s / 30 s.
const HEARTBEAT = { pingMs: 50, pongTimeoutMs: 300 };

interface Accepted {
  socket: WebSocket;
  pings: number;
  closed: Promise<number>;
}

async function serve(autoPong: boolean) {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", autoPong });
  await new Promise((r) => wss.once("listening", r));
  const accepted: Accepted[] = [];
  const waiters: (() => void)[] = [];
  wss.on("connection", (socket) => {
    const entry: Accepted = {
      socket,
      pings: 0,
      closed: new Promise((r) => socket.once("close", (code) => r(code))),
    };
    socket.on("ping", () => {
      entry.pings++;
      for (const wake of waiters.splice(0)) wake();
    });
    accepted.push(entry);
    for (const wake of waiters.splice(0)) wake();
  });
  /** Resolves when the condition holds, re-checked on every connection and ping. */
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise<void>((r) => waiters.push(r));
  };
  const url = new URL(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws/agent`);
  return { wss, accepted, until, url };
}

async function connect(url: URL): Promise<Connection> {
  const hello = {
    type: "hello",
    protocolVersion: PROTOCOL_VERSION,
    agentVersion: "test",
  } as unknown as AgentMessage;
  const connection = new Connection({
    url,
    ca: undefined,
    credentials: new CredentialStore(await mkdtemp(join(tmpdir(), "crowsnest-hb-")), "token"),
    log: createLogger("error"),
    heartbeat: HEARTBEAT,
    handlers: {
      hello: () => hello,
      ready: () => {},
      message: () => {},
      badFrame: () => {},
      closed: () => {},
    },
  });
  connection.start();
  return connection;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("the agent's heartbeat", () => {
  it("keeps a connection whose server answers its pings", async () => {
    const server = await serve(true);
    const connection = await connect(server.url);
    cleanups.push(async () => {
      await connection.stop();
      server.wss.close();
    });
    // Ten pings span more than the pong timeout: had the pongs not counted, it would have dropped.
    await server.until(() => (server.accepted[0]?.pings ?? 0) >= 10);
    expect(server.accepted).toHaveLength(1);
    expect(server.accepted[0]?.socket.readyState).toBe(WebSocket.OPEN);
  });

  it.each([
    ["pings it", (socket: WebSocket) => socket.ping()],
    ["sends it frames", (socket: WebSocket) => socket.send("{}")],
  ])("keeps a connection whose server reads none of its pings but %s", async (_name, signOfLife) => {
    // A server whose store is behind stops reading its agents' sockets; it still pings them, and acks.
    const server = await serve(false);
    const pinging = setInterval(() => {
      for (const { socket } of server.accepted) if (socket.readyState === WebSocket.OPEN) signOfLife(socket);
    }, HEARTBEAT.pingMs);
    const connection = await connect(server.url);
    cleanups.push(async () => {
      clearInterval(pinging);
      await connection.stop();
      server.wss.close();
    });
    // Twenty of the agent's pings, none answered, span three pong timeouts; or it reconnected.
    await server.until(() => server.accepted.length > 1 || (server.accepted[0]?.pings ?? 0) >= 20);
    expect(server.accepted).toHaveLength(1);
    expect(server.accepted[0]?.socket.readyState).toBe(WebSocket.OPEN);
  });

  it("drops a connection whose server stopped answering, and connects again", async () => {
    const server = await serve(false);
    const connection = await connect(server.url);
    cleanups.push(async () => {
      await connection.stop();
      server.wss.close();
    });
    await server.until(() => server.accepted.length >= 2);
    const [first] = server.accepted;
    expect(first?.pings).toBeGreaterThan(0);
    // Terminated, not closed politely: the agent cannot count on a dead peer for a close handshake.
    expect(await first?.closed).toBe(1006);
  });
});
