import { decode, LIMITS, LIVE_MESSAGES, type LiveMessage, type Topic } from "@crowsnest/protocol";
import WebSocket from "ws";

/** A browser on /ws/live, recording every message it receives. */
export class LiveSocket {
  readonly ws: WebSocket;
  readonly messages: LiveMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    ws.on("message", (data: Buffer) => {
      const decoded = decode(LIVE_MESSAGES, data, { maxBytes: 64 * LIMITS.agentFrameBytes });
      if (!decoded.ok) throw new Error(`server sent a bad live frame: ${decoded.error.message}`);
      this.messages.push(decoded.message);
    });
  }

  /** `headers`: a signed-in browser's cookie and Origin, for a server that checks them. */
  static open(url: string, headers?: Record<string, string>): Promise<LiveSocket> {
    const ws = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new LiveSocket(ws)));
      ws.once("error", reject);
    });
  }

  /** Subscribes and waits for the server's `subscribed`. */
  async subscribe(topic: Topic): Promise<void> {
    const before = this.messages.length;
    this.ws.send(JSON.stringify({ type: "subscribe", topic }));
    await until(() => this.messages.slice(before).some((m) => m.type === "subscribed"), "subscribed");
  }

  of<T extends LiveMessage["type"]>(type: T): Extract<LiveMessage, { type: T }>[] {
    return this.messages.filter((m): m is Extract<LiveMessage, { type: T }> => m.type === type);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

/** Polls until the condition holds; fails naming what it waited for. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
