import type { Topic } from "@crowsnest/protocol";
import WebSocket from "ws";

/** A browser socket on /ws/live that records, for every sample and line, how long it took to arrive. */
export class BenchBrowser {
  readonly #ws: WebSocket;
  latencies: number[] = [];
  messages = 0;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on("message", (data: Buffer) => {
      const now = Date.now();
      this.messages++;
      const message = JSON.parse(data.toString("utf8")) as {
        samples?: { t: number }[];
        lines?: { ts: string }[];
      };
      // One latency per message: its newest item was produced (by the simulated agent) at t.
      const t =
        message.samples?.at(-1)?.t ??
        (message.lines?.length ? Date.parse(message.lines.at(-1)?.ts ?? "") : NaN);
      if (Number.isFinite(t)) this.latencies.push(now - t);
    });
  }

  static open(url: string, origin: string, cookie: string): Promise<BenchBrowser> {
    const ws = new WebSocket(url, { headers: { cookie, origin } });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new BenchBrowser(ws)));
      ws.once("unexpected-response", (_req, res) =>
        reject(new Error(`live upgrade refused: ${res.statusCode}`)),
      );
      ws.once("error", reject);
    });
  }

  subscribe(topic: Topic): void {
    this.#ws.send(JSON.stringify({ type: "subscribe", topic }));
  }

  reset(): void {
    this.latencies = [];
    this.messages = 0;
  }

  close(): void {
    this.#ws.close();
  }
}
