import type { Topic } from "@crowsnest/protocol";
import WebSocket from "ws";

/**
 * A browser socket on /ws/live that records, for every sample and line it is sent, how long
 * after its production (the sample's reading time, the line's Docker timestamp) it arrived.
 */
export class BenchBrowser {
  readonly #ws: WebSocket;
  sampleLatencies: number[] = [];
  lineLatencies: number[] = [];
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
      for (const sample of message.samples ?? []) this.sampleLatencies.push(now - sample.t);
      for (const line of message.lines ?? []) this.lineLatencies.push(now - Date.parse(line.ts));
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

  /** Opens `count` sockets, each subscribed to `topic`. */
  static async openMany(count: number, url: string, origin: string, cookie: string, topic: Topic) {
    const browsers: BenchBrowser[] = [];
    for (let i = 0; i < count; i++) {
      const browser = await BenchBrowser.open(url, origin, cookie);
      browser.subscribe(topic);
      browsers.push(browser);
    }
    return browsers;
  }

  subscribe(topic: Topic): void {
    this.#ws.send(JSON.stringify({ type: "subscribe", topic }));
  }

  reset(): void {
    this.sampleLatencies = [];
    this.lineLatencies = [];
    this.messages = 0;
  }

  close(): void {
    this.#ws.close();
  }
}
