import {
  type ContainerInfo,
  decode,
  type EventsBatch,
  type GapNotice,
  type HostInfo,
  LIMITS,
  type LogsBatch,
  type MetricsBatch,
  metricsColumnsBatchOf,
  PROTOCOL_VERSION,
  SERVER_TO_AGENT_MESSAGES,
  type ServerToAgentMessage,
  type Welcome,
} from "@crowsnest/protocol";
import WebSocket from "ws";
import { HOST_INFO } from "./samples.ts";

export type BatchBody =
  | Omit<EventsBatch, "seq">
  | Omit<MetricsBatch, "seq">
  | Omit<LogsBatch, "seq">
  | Omit<GapNotice, "seq">;

/**
 * An agent at the protocol level: hello, inventory, seq'd batches, acks. It lets tests and the
 * benchmark send exactly the frames they need (including broken ones) without Docker.
 */
export class SimAgent {
  readonly ws: WebSocket;
  readonly received: ServerToAgentMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #seq = 0;
  /** Stamped on hello and every batch, as a real agent does; undefined mimics an agent from before incarnations. */
  readonly #incarnation: string | undefined;
  /** Metrics batches go as columns (MetricsColumnsBatch): the welcome said the server takes them, as a real agent reads it. */
  #metricsColumns = false;
  readonly #rowsOnly: boolean;
  readonly #acks = new Map<number, () => void>();
  readonly #waiters: {
    match: (m: ServerToAgentMessage) => boolean;
    resolve: (m: ServerToAgentMessage) => void;
  }[] = [];

  private constructor(ws: WebSocket, incarnation: string | undefined, rowsOnly: boolean) {
    this.ws = ws;
    this.#incarnation = incarnation;
    this.#rowsOnly = rowsOnly;
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    ws.on("message", (data: Buffer) => {
      const decoded = decode(SERVER_TO_AGENT_MESSAGES, data, { maxBytes: LIMITS.agentFrameBytes });
      if (!decoded.ok) throw new Error(`server sent a bad frame: ${decoded.error.message}`);
      const message = decoded.message;
      this.received.push(message);
      if (message.type === "welcome")
        this.#metricsColumns = message.metricsColumns === true && !this.#rowsOnly;
      if (message.type === "ack") this.#acks.get(message.seq)?.();
      for (const waiter of [...this.#waiters]) {
        if (!waiter.match(message)) continue;
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    });
  }

  /**
   * Opens the socket only (no hello); rejects with the HTTP status if the upgrade is refused.
   * `autoPong: false` makes an agent that has hung: it stops answering the server's pings.
   * `incarnation` is stamped on hello and every batch, as a real agent does (none: an older agent).
   * `rowsOnly` sends metrics batches as rows to a server that takes columns, as an agent before them.
   */
  static open(
    url: string,
    token: string,
    options: { autoPong?: boolean; incarnation?: string; rowsOnly?: boolean } = {},
  ): Promise<SimAgent> {
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${token}` },
      maxPayload: LIMITS.agentFrameBytes,
      autoPong: options.autoPong ?? true,
    });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new SimAgent(ws, options.incarnation, options.rowsOnly ?? false)));
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once("error", reject);
    });
  }

  /** Opens, says hello, waits for welcome and sends the inventory. */
  static async connect(
    url: string,
    token: string,
    options: {
      host?: HostInfo;
      containers?: ContainerInfo[];
      firstSeq?: number;
      autoPong?: boolean;
      incarnation?: string;
      rowsOnly?: boolean;
    } = {},
  ): Promise<SimAgent> {
    const agent = await SimAgent.open(url, token, options);
    agent.#seq = (options.firstSeq ?? 1) - 1;
    await agent.hello(options.host);
    agent.sendRaw(
      JSON.stringify({ type: "inventory", time: Date.now(), containers: options.containers ?? [] }),
    );
    return agent;
  }

  async hello(host?: HostInfo, protocolVersion = PROTOCOL_VERSION): Promise<Welcome> {
    const welcome = this.next((m) => m.type === "welcome");
    this.sendHello(host, protocolVersion);
    return (await welcome) as Welcome;
  }

  /** Sends hello (with the incarnation, if any) without waiting for an answer: it may be a refusal. */
  sendHello(host?: HostInfo, protocolVersion = PROTOCOL_VERSION): void {
    this.sendRaw(
      JSON.stringify({
        type: "hello",
        protocolVersion,
        agentVersion: "sim/1",
        host: host ?? HOST_INFO,
        incarnation: this.#incarnation,
      }),
    );
  }

  /** Sends a batch with the next sequence number; resolves when it is acked. */
  send(body: BatchBody): { seq: number; acked: Promise<void> } {
    const seq = ++this.#seq;
    return { seq, acked: this.sendWithSeq(seq, body) };
  }

  /**
   * Sends a batch with a given sequence number (e.g. a resend); resolves when it is acked. A metrics
   * batch goes as columns to a server that takes them (unless `rowsOnly`), as a real agent sends it.
   */
  sendWithSeq(seq: number, body: BatchBody): Promise<void> {
    const acked = new Promise<void>((resolve) => this.#acks.set(seq, resolve));
    const batch = { ...body, seq, incarnation: this.#incarnation };
    const columns = batch.type === "metrics" && this.#metricsColumns;
    this.sendRaw(JSON.stringify(columns ? metricsColumnsBatchOf(batch) : batch));
    return acked;
  }

  sendRaw(frame: string | Buffer): void {
    this.ws.send(frame);
  }

  /** The next message from the server that matches. */
  next(match: (m: ServerToAgentMessage) => boolean): Promise<ServerToAgentMessage> {
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}
