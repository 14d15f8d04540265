import WebSocket from "ws";
import { sleep } from "./measure.ts";

/** Time between one probe's answer and its next question (ms): about 100 probes a second each. */
const PAUSE_MS = 10;

/** Asks `/api/health` one request after another (10 ms apart) for `ms`; returns each answer's time in ms. */
export async function timeHealth(baseUrl: string, ms: number): Promise<number[]> {
  const latencies: number[] = [];
  const until = performance.now() + ms;
  while (performance.now() < until) {
    latencies.push(await healthOnce(baseUrl));
    await sleep(PAUSE_MS);
  }
  return latencies;
}

async function healthOnce(baseUrl: string): Promise<number> {
  const sent = performance.now();
  const res = await fetch(`${baseUrl}/api/health`);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`/api/health answered ${res.status}`);
  return performance.now() - sent;
}

/** Answer times (ms) gathered by a Responsiveness probe between start and stop. */
export interface ResponseTimes {
  healthMs: number[];
  livePingMs: number[];
}

/**
 * How long the server's event loop keeps its callers waiting while a load runs: `/api/health`
 * asked one request after another, and on an open, signed-in `/ws/live` socket a WebSocket ping
 * answered by a pong, each 10 ms after the last answer. Both are answered on the event loop only,
 * so their answer times are how long it was held up.
 */
export class Responsiveness {
  readonly #baseUrl: string;
  readonly #live: WebSocket;
  #times: ResponseTimes = { healthMs: [], livePingMs: [] };
  /** Settles with the first probe's error (null: none) once both loops end. */
  #running: Promise<Error | null> | null = null;
  #stopping = false;

  private constructor(baseUrl: string, live: WebSocket) {
    this.#baseUrl = baseUrl;
    this.#live = live;
  }

  /** Opens the /ws/live socket (as the browser does: session cookie, the server's own Origin). */
  static open(baseUrl: string, liveUrl: string, cookie: string): Promise<Responsiveness> {
    const ws = new WebSocket(liveUrl, { headers: { cookie, origin: baseUrl } });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new Responsiveness(baseUrl, ws)));
      ws.once("unexpected-response", (_req, res) =>
        reject(new Error(`live upgrade refused: ${res.statusCode}`)),
      );
      ws.once("error", reject);
    });
  }

  start(): void {
    this.#times = { healthMs: [], livePingMs: [] };
    this.#stopping = false;
    // Handled at once, thrown by stop: a probe that fails mid-hold (the server closed the /ws/live
    // socket) must not end the process before the hold's other figures are logged.
    this.#running = Promise.all([
      this.#loop(() => healthOnce(this.#baseUrl), this.#times.healthMs),
      this.#loop(() => this.#pingOnce(), this.#times.livePingMs),
    ]).then(
      () => null,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
  }

  /** Stops both probes; returns their answer times, or throws the first probe's error. */
  async stop(): Promise<ResponseTimes> {
    this.#stopping = true;
    const failed = await this.#running;
    if (failed !== null) throw failed;
    return this.#times;
  }

  close(): void {
    this.#live.close();
  }

  async #loop(probe: () => Promise<number>, into: number[]): Promise<void> {
    while (!this.#stopping) {
      into.push(await probe());
      await sleep(PAUSE_MS);
    }
  }

  #pingOnce(): Promise<number> {
    const sent = performance.now();
    return new Promise((resolve, reject) => {
      const closed = (code: number, reason: Buffer) =>
        reject(new Error(`the server closed the /ws/live socket: ${code} ${reason.toString()}`));
      this.#live.once("close", closed);
      this.#live.once("pong", () => {
        this.#live.off("close", closed);
        resolve(performance.now() - sent);
      });
      this.#live.ping();
    });
  }
}
