import { once } from "node:events";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import {
  AGENT_MESSAGES,
  type AgentMessage,
  type Command,
  type CommandOutcome,
  decode,
  encode,
  LIMITS,
  metricsBatchOf,
  PROTOCOL_VERSION,
  type SequencedAgentMessage,
  type ServerToAgentMessage,
} from "@crowsnest/protocol";
import { type WebSocket, WebSocketServer } from "ws";

export interface FakeServerOptions {
  token: string;
  /** Serve wss:// with this certificate. */
  tls?: { cert: string; key: string };
  /** Sent once in the welcome, as for an enrolment. */
  issueCredential?: string;
  /** Welcome.metricsColumns: say the server takes metrics batches as columns (a server before them does not). */
  metricsColumns?: boolean;
}

/**
 * A protocol-level stand-in for crowsnest-server: checks the bearer token on upgrade, welcomes,
 * stores sequenced batches once per seq (as the real ingest does) and acks them.
 */
export class FakeServer {
  readonly #options: FakeServerOptions;
  #wss: WebSocketServer | null = null;
  #https: Server | null = null;
  #port = 0;
  readonly sockets = new Set<WebSocket>();
  /** Every message received, in order, duplicates included. */
  readonly received: AgentMessage[] = [];
  /** Sequenced batches by seq, first copy wins: what a real server would have stored. */
  readonly stored = new Map<number, SequencedAgentMessage>();
  readonly authorizations: string[] = [];
  rejectUpgrades = false;
  readonly badFrames: string[] = [];

  constructor(options: FakeServerOptions) {
    this.#options = options;
  }

  get url(): string {
    return `${this.#options.tls ? "wss" : "ws"}://127.0.0.1:${this.#port}/ws/agent`;
  }

  async start(port = 0): Promise<void> {
    const tls = this.#options.tls;
    const https = tls ? createServer(tls) : null;
    const wss = new WebSocketServer({
      ...(https ? { server: https } : { host: "127.0.0.1", port }),
      path: "/ws/agent",
      maxPayload: LIMITS.agentFrameBytes,
      verifyClient: (info, done) => {
        const auth = info.req.headers.authorization ?? "";
        this.authorizations.push(auth);
        const ok =
          !this.rejectUpgrades &&
          (auth === `Bearer ${this.#options.token}` || auth === `Bearer ${this.#options.issueCredential}`);
        done(ok, 401, "Unauthorized");
      },
    });
    if (https) {
      https.listen(port, "127.0.0.1");
      await once(https, "listening");
    } else {
      await once(wss, "listening");
    }
    this.#wss = wss;
    this.#https = https;
    this.#port = ((https ?? wss).address() as AddressInfo).port;
    wss.on("connection", (socket) => this.#accept(socket));
  }

  async stop(): Promise<void> {
    const wss = this.#wss;
    if (wss === null) return;
    this.#wss = null;
    for (const socket of this.sockets) socket.terminate();
    this.sockets.clear();
    await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    const https = this.#https;
    this.#https = null;
    if (https) await new Promise<void>((resolve) => https.close(() => resolve()));
  }

  /** Same port again, so the agent's configured URL still works. */
  async restart(): Promise<void> {
    const port = this.#port;
    await this.stop();
    await this.start(port);
  }

  sendCommand(command: Command): Promise<CommandOutcome> {
    this.sendRaw(serverFrame({ type: "command", command }));
    return this.commandResult(command.id);
  }

  sendRaw(frame: string): void {
    const [socket] = this.sockets;
    if (socket === undefined) throw new Error("no agent connected");
    socket.send(frame);
  }

  async commandResult(commandId: string, timeoutMs = 20_000): Promise<CommandOutcome> {
    const found = await this.waitFor(
      () =>
        this.received.find(
          (m): m is Extract<AgentMessage, { type: "command_result" }> =>
            m.type === "command_result" && m.commandId === commandId,
        ),
      timeoutMs,
    );
    return found.outcome;
  }

  /** Polls until the probe returns something other than undefined/false. */
  async waitFor<T>(
    probe: () => T | undefined | false | Promise<T | undefined | false>,
    timeoutMs = 20_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  storedOf<K extends SequencedAgentMessage["type"]>(type: K): Extract<SequencedAgentMessage, { type: K }>[] {
    return [...this.stored.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, m]) => m)
      .filter((m): m is Extract<SequencedAgentMessage, { type: K }> => m.type === type);
  }

  #accept(socket: WebSocket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("message", (data) => {
      const frame = data.toString();
      const decoded = decode(AGENT_MESSAGES, frame, { maxBytes: LIMITS.agentFrameBytes });
      if (!decoded.ok) {
        this.badFrames.push(`${decoded.error.message}: ${frame.slice(0, 200)}`);
        return;
      }
      const message = decoded.message;
      this.received.push(message);
      if (message.type === "hello") {
        if (message.protocolVersion !== PROTOCOL_VERSION) throw new Error("protocol version mismatch");
        socket.send(
          serverFrame({
            type: "welcome",
            protocolVersion: PROTOCOL_VERSION,
            hostId: "test-host",
            credential: this.#options.issueCredential ?? null,
            metricsColumns: this.#options.metricsColumns,
          }),
        );
        return;
      }
      if ("seq" in message) {
        const batch = message.type === "metrics_columns" ? metricsBatchOf(message) : message;
        if (!this.stored.has(message.seq)) this.stored.set(message.seq, batch);
        socket.send(serverFrame({ type: "ack", seq: message.seq }));
      }
    });
  }
}

function serverFrame(message: ServerToAgentMessage): string {
  return encode(message);
}
