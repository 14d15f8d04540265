import {
  type AgentMessage,
  answerClockProbe,
  Backoff,
  CLOSE_CODES,
  decode,
  encode,
  PROTOCOL_VERSION,
  SERVER_TO_AGENT_MESSAGES,
  type ServerToAgentMessage,
  type Welcome,
} from "@crowsnest/protocol/agent";
import WebSocket from "ws";
import type { Logger } from "../logger.ts";
import { sleep } from "../sleep.ts";
import type { CredentialStore } from "../state/credential-store.ts";
import { connectionErrorMessage } from "./unreachable.ts";

/** The server only sends small control messages (welcome, ack, command, error). */
export const SERVER_FRAME_BYTES = 1024 * 1024;
/** Ping every 10 s; a server silent for 30 s is taken for gone (a half-open TCP connection). */
export const DEFAULT_HEARTBEAT: Heartbeat = { pingMs: 10_000, pongTimeoutMs: 30_000 };
const WELCOME_TIMEOUT_MS = 15_000;
const CLOSE_GRACE_MS = 2_000;

export interface Session {
  /** Serializes and sends; false when the socket is no longer open. */
  send(message: AgentMessage): boolean;
  /** Sends an already encoded message (outbox batches are kept encoded). */
  sendText(text: string): boolean;
}

export interface ConnectionHandlers {
  hello(): AgentMessage;
  /** The server welcomed us (its `welcome` is given): the session may carry traffic. */
  ready(session: Session, welcome: Welcome): void;
  message(message: Exclude<ServerToAgentMessage, { type: "welcome" }>, session: Session): void;
  /** A frame that did not decode; the raw frame is kept so a command can still be answered. */
  badFrame(frame: string, reason: string, session: Session): void;
  closed(): void;
}

/**
 * The agent's own check of its socket (ms): a ping every `pingMs`, and the socket dropped once
 * nothing came from the server for `pongTimeoutMs`: no pong, and none of its pings or frames. A
 * server whose store is behind stops reading its agents' sockets (backpressure), so it answers no
 * ping then, but it still pings them: it is slow, not gone, and dropping it would only make every
 * agent reconnect and send again all it holds.
 */
export interface Heartbeat {
  pingMs: number;
  pongTimeoutMs: number;
}

export interface ConnectionOptions {
  url: URL;
  ca: string[] | undefined;
  credentials: CredentialStore;
  handlers: ConnectionHandlers;
  log: Logger;
  /** DEFAULT_HEARTBEAT unless given (tests use a short one). */
  heartbeat?: Heartbeat;
}

/** The agent's only link to the server: it connects out, re-connects with backoff, and never listens. */
export class Connection {
  readonly #options: ConnectionOptions;
  readonly #backoff = new Backoff(500, 30_000);
  readonly #stop = new AbortController();
  #socket: WebSocket | null = null;
  #running: Promise<void> | null = null;

  constructor(options: ConnectionOptions) {
    this.#options = options;
  }

  start(): void {
    this.#running = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    const socket = this.#socket;
    if (socket !== null && socket.readyState === WebSocket.OPEN) socket.close(1001, "agent shutting down");
    const grace = setTimeout(() => socket?.terminate(), CLOSE_GRACE_MS);
    await this.#running;
    clearTimeout(grace);
  }

  async #run(): Promise<void> {
    const { log } = this.#options;
    while (!this.#stop.signal.aborted) {
      let welcomed = false;
      try {
        welcomed = await this.#session();
      } catch (err) {
        log.error("connection attempt failed", { err: err as Error });
      }
      if (this.#stop.signal.aborted) break;
      if (welcomed) this.#backoff.reset();
      const delay = this.#backoff.next();
      log.info("reconnecting", { inMs: delay });
      await sleep(delay, this.#stop.signal);
    }
  }

  /** One socket's life; resolves when it closes, with whether the server welcomed us. */
  async #session(): Promise<boolean> {
    const { url, ca, credentials, handlers, log, heartbeat: beat = DEFAULT_HEARTBEAT } = this.#options;
    const credential = await credentials.current();
    const headers: Record<string, string> = {};
    if (credential !== null) headers.authorization = `Bearer ${credential}`;
    const socket = new WebSocket(url, {
      headers,
      ca,
      maxPayload: SERVER_FRAME_BYTES,
      handshakeTimeout: 15_000,
      // Pongs are answered below, with this agent's clock when the ping is the server's clock probe.
      autoPong: false,
      // Not offered: the server does not compress either, and a compressing socket would keep zlib
      // contexts (hundreds of KiB) and load node:zlib, which the one-file build defers to first use.
      perMessageDeflate: false,
    });
    this.#socket = socket;
    const done = Promise.withResolvers<boolean>();
    let welcomed = false;
    // Monotonic: a wall-clock step (NTP, a suspended machine resuming) must not look like a silent server.
    let lastHeard = performance.now();
    let heartbeat: NodeJS.Timeout | null = null;

    const session: Session = {
      send: (message) => session.sendText(encode(message)),
      sendText: (text) => {
        if (socket.readyState !== WebSocket.OPEN) return false;
        socket.send(text);
        return true;
      },
    };
    const welcomeTimer = setTimeout(() => {
      log.error("server did not send welcome in time", { timeoutMs: WELCOME_TIMEOUT_MS });
      socket.terminate();
    }, WELCOME_TIMEOUT_MS);

    socket.on("unexpected-response", (_req, res) => {
      const status = res.statusCode ?? 0;
      if (status === 401 || status === 403) {
        log.error(
          "server refused the agent's credential; check the token given or the state dir's credential",
          { status },
        );
      } else {
        log.error("server refused the WebSocket upgrade", { status });
      }
      res.resume();
      socket.terminate();
    });
    socket.on("error", (err) => log.error(connectionErrorMessage(url.toString(), err)));
    socket.on("open", () => {
      log.info("connected", { url: url.toString() });
      session.send(handlers.hello());
      heartbeat = setInterval(() => {
        if (performance.now() - lastHeard > beat.pongTimeoutMs) {
          log.warn("nothing from the server; dropping the connection", { timeoutMs: beat.pongTimeoutMs });
          socket.terminate();
          return;
        }
        socket.ping();
      }, beat.pingMs);
    });
    const heard = () => {
      lastHeard = performance.now();
    };
    socket.on("pong", heard);
    socket.on("ping", (data) => {
      heard();
      if (socket.readyState === WebSocket.OPEN) socket.pong(answerClockProbe(data, Date.now()));
    });
    socket.on("message", (data, isBinary) => {
      heard();
      const frame = isBinary ? Buffer.from(data as Buffer) : data.toString();
      const decoded = decode(SERVER_TO_AGENT_MESSAGES, frame, { maxBytes: SERVER_FRAME_BYTES });
      if (!decoded.ok) {
        log.warn("bad frame from server", { code: decoded.error.code, reason: decoded.error.message });
        handlers.badFrame(frame.toString(), decoded.error.message, session);
        return;
      }
      const message = decoded.message;
      if (message.type === "welcome") {
        if (welcomed) return;
        clearTimeout(welcomeTimer);
        if (message.protocolVersion !== PROTOCOL_VERSION) {
          log.error("server speaks another protocol version", {
            server: message.protocolVersion,
            agent: PROTOCOL_VERSION,
          });
          socket.close(1002, "protocol version mismatch");
          return;
        }
        welcomed = true;
        log.info("welcomed by server", { hostId: message.hostId });
        const credentialSaved =
          message.credential === null ? Promise.resolve() : credentials.save(message.credential);
        credentialSaved.then(
          () => {
            if (socket.readyState === WebSocket.OPEN) handlers.ready(session, message);
          },
          (err: unknown) => {
            log.error("could not save the host credential", { err: err as Error });
            socket.close(1011, "credential not saved");
          },
        );
        return;
      }
      if (!welcomed && message.type !== "error") {
        log.warn("message before welcome ignored", { type: message.type });
        return;
      }
      handlers.message(message, session);
    });
    socket.on("close", (code, reason) => {
      clearTimeout(welcomeTimer);
      if (heartbeat !== null) clearInterval(heartbeat);
      if (this.#socket === socket) this.#socket = null;
      if (code === CLOSE_CODES.duplicateAgent) {
        log.error(
          "refused: another agent is connected with this host's credential (a cloned machine or a copied state directory?); retrying until it is gone. Give a copy its own host (enrol it) instead",
          { code },
        );
      } else {
        log.info("disconnected", { code, reason: reason.toString() });
      }
      if (welcomed) handlers.closed();
      done.resolve(welcomed);
    });
    return done.promise;
  }
}
