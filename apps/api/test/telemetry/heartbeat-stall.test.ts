import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { keepAlive } from "../../src/ws/heartbeat.ts";

const INTERVAL_MS = 100;

/**
 * A peer in a process of its own, which answers pings (ws does) while this one stalls; it prints
 * "open" once connected and "closed <code>" if the socket closes.
 */
const PEER = `
import { WebSocket } from "ws";
const ws = new WebSocket(process.argv[1]);
ws.on("open", () => console.log("open"));
ws.on("close", (code) => { console.log("closed " + code); process.exit(0); });
`;

/** Blocks this thread's event loop for `ms`: a long synchronous task or a garbage collection. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe("the heartbeat and this side's own stalls", () => {
  let server: WebSocketServer | undefined;
  let peer: ChildProcess | undefined;
  afterEach(async () => {
    peer?.kill();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  });

  it.each([
    ["right after a ping, its pong arriving meanwhile", "afterPing"],
    ["right after a ping, then not reading the socket for three intervals", "thenPaused"],
    ["with no ping outstanding", "afterPong"],
  ] as const)("keeps a peer that answers while the server stalls for five intervals %s", async (_, when) => {
    server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await once(server, "listening");
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const accepted = once(server, "connection") as Promise<[WebSocket]>;
    peer = spawn(process.execPath, ["--input-type=module", "-e", PEER, url], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    peer.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const [ws] = await accepted;
    let closed = false;
    ws.on("close", () => {
      closed = true;
    });
    let pings = 0;
    let pongs = 0;
    const send = ws.ping.bind(ws);
    // Stalls once: as soon as the third ping is sent, before its pong can be read (the next
    // interval then falls due before the pong, come in meanwhile, is read), and then maybe stops
    // reading the socket, as backpressure does; or once the third pong was read (the heartbeat's
    // listener first).
    ws.ping = (...args: Parameters<WebSocket["ping"]>) => {
      send(...args);
      if (++pings === 3 && when !== "afterPong")
        setImmediate(() => {
          stall(5 * INTERVAL_MS);
          if (when !== "thenPaused") return;
          heartbeat.pause();
          setTimeout(() => heartbeat.resume(), 3 * INTERVAL_MS);
        });
    };
    const heartbeat = keepAlive(ws, INTERVAL_MS);
    ws.on("pong", () => {
      if (++pongs === 3 && when === "afterPong") stall(5 * INTERVAL_MS);
    });
    try {
      // Two pongs or more after the stall (and the pause).
      await expect.poll(() => pongs, { timeout: 5_000, interval: INTERVAL_MS }).toBeGreaterThanOrEqual(5);
      expect(closed).toBe(false);
      expect(output).toBe("open\n");
    } finally {
      heartbeat.stop();
    }
  });

  it("still drops a peer that stops answering", async () => {
    server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    const accepted = once(server, "connection") as Promise<[WebSocket]>;
    const hung = new WebSocket(`ws://127.0.0.1:${port}`, { autoPong: false });
    const [ws] = await accepted;
    const heartbeat = keepAlive(ws, INTERVAL_MS);
    try {
      const [code] = (await once(hung, "close")) as [number];
      expect(code).toBe(1006);
    } finally {
      heartbeat.stop();
    }
  });
});
