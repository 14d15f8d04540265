import {
  type Ack,
  AGENT_MESSAGES,
  type AgentMessage,
  CLOSE_CODES,
  type Command,
  type CommandMessage,
  clockProbe,
  decode,
  encode,
  type Hello,
  LIMITS,
  metricsBatchOf,
  PROTOCOL_VERSION,
  type ProtocolError,
  readClockAnswer,
  type SequencedAgentMessage,
  type Welcome,
} from "@crowsnest/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { RawData, WebSocket } from "ws";
import type { AgentIdentity } from "../auth/agent-authenticator.ts";
import type { LivePublisher } from "../live/live-publisher.ts";
import { keepAlive } from "../ws/heartbeat.ts";
import { frameBytes } from "../ws/raw-data.ts";
import { AGENT_FRAME_CHECKS } from "./agent-frame-checks.ts";
import type { AgentConnection, AgentSocketRegistry } from "./agent-links.ts";
import { ClockOffsetEstimator, exchangeReading, helloReading } from "./clock-offset.ts";
import type { IngestCounters } from "./counters.ts";
import type { Ingest } from "./ingest.ts";

/**
 * Above this many batches waiting for storage, stop reading the socket until half are stored; all
 * agents' sockets stop likewise while the server's whole backlog is full (Ingest.backlogFull).
 */
const MAX_IN_FLIGHT = 64;
/** How long a live agent has to answer a ping when a second agent shows up on its credential. */
const PROBE_MS = 5_000;

export interface AgentConnectionDeps {
  ingest: Ingest;
  links: AgentSocketRegistry;
  /** Where host status and log lag go as they happen. */
  live: LivePublisher;
  counters: IngestCounters;
  heartbeatMs: number;
  log: FastifyBaseLogger;
}

/**
 * Serves one authenticated agent socket: `hello` first (protocol version checked; a second live
 * agent on the host's credential is refused with CLOSE_CODES.duplicateAgent, see AgentLinks.admit),
 * then inventory and sequenced batches, each acked once stored, and command results. Every
 * heartbeat ping is a clock probe: the agent's clock offset, measured from them (and first from the
 * hello's time), places its batches on the server's time line (see Ingest.batch).
 */
export function serveAgentSocket(ws: WebSocket, identity: AgentIdentity, deps: AgentConnectionDeps): void {
  const { hostId } = identity;
  const log = deps.log.child({ hostId });
  let greeted = false;
  let admitted = false;
  let inFlight = 0;
  const clock = new ClockOffsetEstimator();
  /** When the last clock probe was sent (server ms): only an answer to it is a reading. */
  let probeSentAt: number | null = null;
  /**
   * Commands sent before `welcome`, in order. The host is online (its link admitted) while its hello
   * is stored through the write queue, and an agent ignores whatever comes before its welcome: sent
   * then, a command was lost and its action timed out. Should the socket close first, the link's
   * commands fail as offline (AgentLinks).
   */
  let beforeWelcome: CommandMessage[] | null = [];
  const connection: AgentConnection = {
    sendCommand: (command: Command) => {
      const message: CommandMessage = { type: "command", command };
      if (beforeWelcome === null) ws.send(encode(message));
      else beforeWelcome.push(message);
    },
    close: (code, reason) => {
      ws.close(code, reason);
      // An agent that does not finish the closing handshake must not hold a shutdown up.
      setTimeout(() => ws.terminate(), 2_000).unref();
    },
    isOpen: () => ws.readyState === ws.OPEN,
    // A socket not read cannot answer: taken for alive, the newcomer is refused until it is read again.
    probe: (timeoutMs) => (ws.isPaused ? Promise.resolve(true) : probe(ws, timeoutMs)),
    clockOffsetMs: () => clock.offsetMs,
  };
  const send = (message: Ack | Welcome | ProtocolError) => ws.send(encode(message));
  const reject = (code: ProtocolError["code"], message: string) => {
    deps.counters.rejectedFrames++;
    log.warn({ code, reason: message }, "agent frame rejected");
    send({ type: "error", code, message: message.slice(0, 4_096) });
  };
  const storageFailed = (err: unknown) => {
    log.error({ err }, "storing agent data failed");
    // Without an ack the agent keeps the batch; closing makes it reconnect and resend.
    ws.close(1011, "storage failed; resend after reconnecting");
  };

  const heartbeat = keepAlive(ws, deps.heartbeatMs, () => {
    probeSentAt = Date.now();
    return clockProbe(probeSentAt);
  });
  ws.on("pong", (data: Buffer) => {
    const receivedAt = Date.now();
    const answer = readClockAnswer(data);
    // A pong that waited unread while the socket was paused is not timed by its round trip.
    if (answer === null || answer.serverSentMs !== probeSentAt || heartbeat.pausedSince(answer.serverSentMs))
      return;
    clock.add(exchangeReading(answer.serverSentMs, answer.agentMs, answer.agentMs, receivedAt));
  });
  ws.on("error", (err) => log.warn({ err }, "agent socket error"));
  const stopBacklog = deps.ingest.onBacklog((full) => (full ? heartbeat.pause() : resumeIfRoom()));
  ws.on("close", () => {
    heartbeat.stop();
    stopBacklog();
    if (!admitted || !deps.links.detach(hostId, connection)) return;
    const now = Date.now();
    deps.live.hostStatus(hostId, false, now);
    deps.ingest.seen(hostId, now).catch((err: unknown) => log.error({ err }, "could not record last-seen"));
  });

  ws.on("message", (data: RawData) => {
    const decoded = decode(AGENT_MESSAGES, frameBytes(data), {
      maxBytes: LIMITS.agentFrameBytes,
      accept: AGENT_FRAME_CHECKS,
    });
    if (!decoded.ok) {
      reject("bad_frame", decoded.error.message);
      return;
    }
    const message: AgentMessage = decoded.message;
    if (message.type === "hello") {
      if (greeted) {
        reject("bad_frame", "hello was already received on this connection");
        return;
      }
      if (message.protocolVersion !== PROTOCOL_VERSION) {
        const reason = `unsupported protocol version ${message.protocolVersion}; this server speaks ${PROTOCOL_VERSION}`;
        reject("unsupported_version", reason);
        ws.close(CLOSE_CODES.unsupportedVersion, reason.slice(0, 120));
        return;
      }
      greeted = true;
      if (message.time !== undefined) clock.add(helloReading(message.time, Date.now()));
      admitAndWelcome(message).catch(storageFailed);
      return;
    }
    if (!greeted) {
      reject("bad_frame", `expected hello first, got "${message.type}"`);
      ws.close(CLOSE_CODES.protocolViolation, "expected hello first");
      return;
    }
    if (!admitted) {
      reject("bad_frame", `"${message.type}" before welcome; send it after the welcome`);
      return;
    }
    if ("refused" in message && message.refused !== undefined) {
      // The rest of the message is stored; only these containers (or their events) are left out.
      deps.counters.refusedContainers += message.refused.length;
      log.warn({ type: message.type, refused: message.refused }, "agent sent containers that cannot be read");
    }
    switch (message.type) {
      case "inventory":
        deps.ingest.inventory(hostId, message, Date.now()).catch(storageFailed);
        return;
      case "log_lag":
        deps.live.logLag(hostId, message);
        return;
      case "command_result":
        if (!deps.links.settle(hostId, message))
          log.warn({ commandId: message.commandId }, "result of no pending command");
        return;
      case "metrics_columns":
        storeBatch(metricsBatchOf(message), decoded.json);
        return;
      default:
        storeBatch(message, decoded.json);
    }
  });

  async function admitAndWelcome(hello: Hello): Promise<void> {
    const incarnation = hello.incarnation ?? null;
    const admission = await deps.links.admit(hostId, connection, incarnation, {
      replacedCode: CLOSE_CODES.replaced,
      probeMs: PROBE_MS,
    });
    if (admission === "closed") return;
    if (admission === "conflict") {
      deps.counters.refusedAgents++;
      const reason = "another agent is connected with this host's credential (a copied state directory?)";
      log.warn({ incarnation, hostname: hello.host.hostname }, "second live agent on one credential refused");
      send({ type: "error", code: "not_allowed", message: reason });
      ws.close(CLOSE_CODES.duplicateAgent, "another agent is connected for this host");
      await deps.ingest.conflict(hostId, hello.host, Date.now());
      return;
    }
    admitted = true;
    const now = Date.now();
    deps.live.hostStatus(hostId, true, now);
    const lastStoredSeq = await deps.ingest.hello(hostId, hello, now);
    send({
      type: "welcome",
      protocolVersion: PROTOCOL_VERSION,
      hostId,
      credential: identity.issuedCredential,
      lastStoredSeq,
      metricsColumns: true,
    });
    const held = beforeWelcome ?? [];
    beforeWelcome = null;
    for (const message of held) ws.send(encode(message));
  }

  /** `json`: the frame's bytes, when the message is their parse (DecodeResult), for the store to parse again. */
  function storeBatch(message: SequencedAgentMessage, json: Uint8Array | undefined): void {
    inFlight++;
    if (inFlight >= MAX_IN_FLIGHT || deps.ingest.backlogFull()) heartbeat.pause();
    // What the ack needs, apart: a callback that read `message` kept the whole batch until stored,
    // past two scavenges into the old generation (a major collection every 0.3 s at 100,000
    // samples/s, BENCHMARKS.md figure 3).
    const { seq, incarnation } = message;
    deps.ingest.batch(hostId, message, Date.now(), clock.offsetMs ?? 0, json).then(
      (result) => {
        if (result === "unknown-host") {
          // Deleted while the batch was queued; its socket is closed, so no ack is owed.
          release();
          return;
        }
        if (result === "duplicate") deps.counters.duplicateBatches++;
        else deps.counters.storedBatches++;
        if (result === "collided") {
          deps.counters.collidedBatches++;
          log.warn({ seq, incarnation }, "batch reused a stored seq; stored");
        }
        if (ws.readyState === ws.OPEN) send({ type: "ack", seq });
        release();
      },
      (err: unknown) => {
        release();
        storageFailed(err);
      },
    );
  }

  function release(): void {
    inFlight--;
    resumeIfRoom();
  }

  function resumeIfRoom(): void {
    if (ws.isPaused && inFlight <= MAX_IN_FLIGHT / 2 && !deps.ingest.backlogFull()) heartbeat.resume();
  }
}

/** Pings the socket; true when a pong or any frame arrives within `timeoutMs`. */
function probe(ws: WebSocket, timeoutMs: number): Promise<boolean> {
  if (ws.readyState !== ws.OPEN) return Promise.resolve(false);
  return new Promise((resolve) => {
    const answered = (alive: boolean) => {
      clearTimeout(timer);
      ws.off("pong", onAnswer);
      ws.off("message", onAnswer);
      ws.off("close", onClose);
      resolve(alive);
    };
    const onAnswer = () => answered(true);
    const onClose = () => answered(false);
    const timer = setTimeout(() => answered(false), timeoutMs);
    ws.on("pong", onAnswer);
    ws.on("message", onAnswer);
    ws.on("close", onClose);
    ws.ping();
  });
}
