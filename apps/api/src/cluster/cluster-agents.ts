import { CLOSE_CODES, type CommandOutcome, type CommandResult } from "@crowsnest/protocol";
import { type Msg, RequestError, type Subscription, TimeoutError } from "@nats-io/transport-node";
import type { FastifyBaseLogger } from "fastify";
import type { AgentDisconnector } from "../auth/host-enrolment.ts";
import type {
  Admission,
  AgentCommandSender,
  AgentConnection,
  AgentLinks,
  AgentPresence,
  AgentSocketRegistry,
  CommandRequest,
} from "../ingest/agent-links.ts";
import { AgentUnavailableError } from "../ingest/agent-unavailable.ts";
import {
  type LivePublisher,
  RELAYED_WAIT_MS,
  type RelayedWrites,
  settledWithin,
} from "../live/live-publisher.ts";
import type { NatsBus } from "./bus.ts";
import {
  type BusRejects,
  ClaimAnswerMessage,
  ClaimMessage,
  CommandReplyMessage,
  CommandRequestMessage,
  HostDisconnectMessage,
  readBusMessage,
} from "./bus-messages.ts";
import { PeerPresence, type PresenceSnapshot } from "./peer-presence.ts";
import { SUBJECTS } from "./subjects.ts";

/**
 * A command's reply waits this long beyond the holder's own timeout, so that the holder's
 * `timeout` answer arrives rather than a bus timeout.
 */
const REPLY_MARGIN_MS = 2_000;
/** A claim waits for the holder's probe of its agent (probeMs) plus this. */
const CLAIM_MARGIN_MS = 2_000;

/** A host's agent held by this replica. */
interface Held {
  /** When it was attached here (epoch ms): the newest epoch wins when two replicas hold a host. */
  epoch: number;
  /** This replica's subscription to the host's commands and claims. */
  subscription: Subscription;
}

export interface ClusterAgentsDeps {
  /** This process's agent sockets. */
  local: AgentLinks;
  /** This process's write queue: what its agents sent and it relayed. */
  relayed: RelayedWrites;
  bus: NatsBus;
  replicaId: string;
  /** This replica's own hub: told when another replica's hosts go offline with it. */
  hub: LivePublisher;
  commandTimeoutMs: number;
  log: FastifyBaseLogger;
  /** Where malformed bus messages are counted and logged. */
  rejects: BusRejects;
}

/**
 * The agent registry of a replica in a NATS cluster, around this process's AgentLinks:
 * - one live connection per host across the cluster: a newly admitted connection claims the host
 *   (`cn.v1.agent.<host>.claim`); the holder gives way by AgentLinks.admit's rule (same incarnation:
 *   replaced; another incarnation whose socket answers a probe: the newcomer is refused as a clone);
 *   if two replicas still hold a host (a claim lost to a bus outage), the newer epoch wins when
 *   their presence snapshots meet;
 * - commands by request/reply on `cn.v1.agent.<host>.cmd`, subscribed only by the holder: no
 *   responder is `offline` at once;
 * - presence: this replica's local links plus the other replicas' snapshots (PeerPresence);
 * - disconnecting a host (revoke, rotate, delete) wherever its agent is held;
 * - waiting until what the holder relayed is stored (RelayedWrites), for a browser's backfill.
 */
export class ClusterAgents
  implements AgentPresence, AgentSocketRegistry, AgentCommandSender, AgentDisconnector, RelayedWrites
{
  readonly #deps: ClusterAgentsDeps;
  readonly #held = new Map<string, Held>();
  readonly #peers: PeerPresence;
  readonly #subscriptions: Subscription[] = [];

  constructor(deps: ClusterAgentsDeps) {
    this.#deps = deps;
    this.#peers = new PeerPresence({
      bus: deps.bus,
      replicaId: deps.replicaId,
      snapshot: () => this.#snapshot(),
      onPeerSnapshot: (snapshot) => this.#fence(snapshot),
      onHostsLost: (hostIds, lastHeard) => {
        for (const hostId of hostIds)
          if (!this.isOnline(hostId)) deps.hub.hostStatus(hostId, false, lastHeard);
      },
      // Back after this replica lost sight of them (its bus was down, or their replica was late):
      // its browsers may have been told they went offline.
      onHostsFound: (hostIds) => {
        const now = Date.now();
        for (const hostId of hostIds) deps.hub.hostStatus(hostId, true, now);
      },
      log: deps.log,
      rejects: deps.rejects,
    });
  }

  /** Starts presence and listens for host disconnects broadcast by other replicas (malformed ones dropped). */
  start(): void {
    this.#peers.start();
    this.#subscriptions.push(
      this.#deps.bus.control.subscribe(SUBJECTS.hostAgent, {
        callback: (_err, msg) => {
          const read = readBusMessage(msg, HostDisconnectMessage);
          if (!read.ok) {
            this.#deps.rejects.reject("hostDisconnect", msg.subject, read.why);
            return;
          }
          try {
            this.#deps.local.disconnect(read.value.hostId, read.value.code, read.value.reason);
          } catch (err) {
            this.#deps.log.warn({ err }, "closing a host's agent disconnected elsewhere failed");
          }
        },
      }),
    );
  }

  /** Tells the other replicas this one holds nothing any more, and stops presence. */
  stop(): void {
    this.#peers.stop();
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    for (const held of this.#held.values()) held.subscription.unsubscribe();
    this.#held.clear();
  }

  // ---- AgentSocketRegistry ----------------------------------------------------

  /**
   * Admits the connection here (AgentLinks.admit), then claims the host from any other replica
   * holding it. A holder that keeps its link (another live incarnation) makes this one a
   * `conflict`. With the bus down or the claim unanswered, the connection is attached anyway:
   * the agent's data is stored, and the epochs settle a double hold once the bus is back.
   */
  async admit(
    hostId: string,
    connection: AgentConnection,
    incarnation: string | null,
    options: { replacedCode: number; probeMs: number },
  ): Promise<Admission> {
    const admission = await this.#deps.local.admit(hostId, connection, incarnation, options);
    if (admission !== "attached") return admission;
    const verdict = await this.#claim(hostId, {
      replica: this.#deps.replicaId,
      incarnation,
      probeMs: options.probeMs,
    });
    if (verdict === "kept") {
      this.#deps.local.detach(hostId, connection);
      return "conflict";
    }
    // Replaced here by a newer connection, or closed, while the claim was out: that one decides.
    if (!this.#deps.local.holds(hostId, connection)) return "closed";
    this.#hold(hostId);
    return "attached";
  }

  detach(hostId: string, connection: AgentConnection): boolean {
    if (!this.#deps.local.detach(hostId, connection)) return false;
    this.#unhold(hostId);
    return true;
  }

  settle(hostId: string, result: CommandResult): boolean {
    return this.#deps.local.settle(hostId, result);
  }

  // ---- AgentPresence --------------------------------------------------------------

  isOnline(hostId: string): boolean {
    return this.#deps.local.isOnline(hostId) || this.#peers.holder(hostId) !== null;
  }

  clockOffsetMs(hostId: string): number | null {
    if (this.#deps.local.isOnline(hostId)) return this.#deps.local.clockOffsetMs(hostId);
    return this.#peers.holder(hostId)?.clockOffsetMs ?? null;
  }

  onlineHostIds(): string[] {
    return [...new Set([...this.#deps.local.onlineHostIds(), ...this.#peers.hostIds()])];
  }

  // ---- AgentCommandSender ------------------------------------------------------------

  /**
   * Runs the command on the host's agent: here when this replica holds it, otherwise by a request
   * to the holder. Rejects with AgentUnavailableError: `offline` at once when no replica holds the
   * host (no responder) or the bus is down, `timeout` when the holder's agent does not answer; with
   * an Error when the holder refused the request or its answer cannot be read (a bug or a stranger
   * on the bus).
   */
  async send(hostId: string, request: CommandRequest): Promise<CommandOutcome> {
    if (this.#deps.local.isOnline(hostId)) return this.#deps.local.send(hostId, request);
    if (!this.#deps.bus.controlConnected)
      throw new AgentUnavailableError(
        "offline",
        "the cluster bus (NATS) is down: the host's agent, if any, is held by another replica",
      );
    const timeoutMs =
      this.#deps.commandTimeoutMs + (request.options.timeoutSeconds ?? 0) * 1000 + REPLY_MARGIN_MS;
    let reply: Msg;
    try {
      reply = await this.#deps.bus.control.request(SUBJECTS.agent(hostId, "cmd"), JSON.stringify(request), {
        timeout: timeoutMs,
      });
    } catch (err) {
      if (err instanceof RequestError && err.isNoResponders())
        throw new AgentUnavailableError("offline", "the host's agent is not connected to any replica");
      if (err instanceof TimeoutError)
        throw new AgentUnavailableError(
          "timeout",
          `no answer from the host's replica within ${timeoutMs} ms`,
        );
      throw new AgentUnavailableError("offline", `the cluster bus failed: ${(err as Error).message}`);
    }
    const read = readBusMessage(reply, CommandReplyMessage);
    if (!read.ok) {
      this.#deps.rejects.reject("commandReply", reply.subject, read.why);
      throw new Error(`unreadable answer from the host's replica: ${read.why}`);
    }
    const answer = read.value;
    if (answer.ok) return answer.outcome;
    if ("error" in answer) throw new Error(`the host's replica refused the command: ${answer.error}`);
    throw new AgentUnavailableError(answer.reason, answer.message);
  }

  // ---- AgentDisconnector ---------------------------------------------------------------

  /** Closes the host's agent connection here and, by broadcast, on whichever replica holds it. */
  disconnect(hostId: string, code: number, reason: string): boolean {
    const here = this.#deps.local.disconnect(hostId, code, reason);
    const elsewhere = this.#peers.holder(hostId) !== null;
    try {
      this.#deps.bus.control.publish(SUBJECTS.hostAgent, JSON.stringify({ hostId, code, reason }));
    } catch (err) {
      this.#deps.log.error({ err, hostId }, "could not broadcast a host disconnect");
    }
    return here || elsewhere;
  }

  // ---- RelayedWrites ----------------------------------------------------------------------

  /**
   * This replica's writes (until `signal` aborts), and, when another replica holds the host's
   * agent, that replica's: it answers once what it relayed before the request is stored, or
   * RELAYED_WAIT_MS has passed (the request's own timeout). Never rejects; no holder or a bus
   * failure only leaves the local wait.
   */
  async settled(hostId: string | null, signal?: AbortSignal): Promise<void> {
    const local = this.#deps.relayed.settled(hostId, signal);
    if (hostId === null || this.#deps.local.isOnline(hostId) || this.#peers.holder(hostId) === null)
      return local;
    if (!this.#deps.bus.controlConnected) return local;
    const remote = this.#deps.bus.control
      .request(SUBJECTS.agent(hostId, "settled"), "", { timeout: RELAYED_WAIT_MS })
      .then(
        () => undefined,
        () => undefined,
      );
    await Promise.all([local, remote]);
  }

  /** Closes every agent socket of this process (the server is stopping). */
  closeAll(code: number, reason: string): void {
    this.#deps.local.closeAll(code, reason);
  }

  // ---- internals -----------------------------------------------------------------------

  /** Asks whichever replica holds the host to give way; `none` when no replica answers (or answers nonsense). */
  async #claim(hostId: string, claim: ClaimMessage): Promise<"released" | "kept" | "none"> {
    if (!this.#deps.bus.controlConnected) return "none";
    try {
      const reply = await this.#deps.bus.control.request(
        SUBJECTS.agent(hostId, "claim"),
        JSON.stringify(claim),
        {
          timeout: claim.probeMs + CLAIM_MARGIN_MS,
        },
      );
      const read = readBusMessage(reply, ClaimAnswerMessage);
      if (!read.ok) {
        this.#deps.rejects.reject("claimAnswer", reply.subject, read.why);
        return "none";
      }
      if ("verdict" in read.value) return read.value.verdict;
      this.#deps.log.warn({ hostId, error: read.value.error }, "the holder refused a claim; attached anyway");
      return "none";
    } catch (err) {
      if (!(err instanceof RequestError && err.isNoResponders()))
        this.#deps.log.warn({ err, hostId }, "claiming a host from another replica failed; attached anyway");
      return "none";
    }
  }

  /** Answers for the host on the bus: its commands and claims come to this replica from now on. */
  #hold(hostId: string): void {
    this.#unhold(hostId);
    const subscription = this.#deps.bus.control.subscribe(SUBJECTS.agentAll(hostId), {
      callback: (_err, msg) => {
        this.#answer(hostId, msg).catch((err: unknown) =>
          this.#deps.log.error({ err, hostId }, "answering a request for a held host failed"),
        );
      },
    });
    this.#held.set(hostId, { epoch: Date.now(), subscription });
    this.#peers.changed();
  }

  /**
   * Serves a request for a host held here: "settled", a claim or a command. Every request is
   * answered, a malformed one (or one on another subject under the host's) with `{ error }`
   * (`{ ok: false, error }` for a command), so that its sender never waits for its timeout.
   */
  async #answer(hostId: string, msg: Msg): Promise<void> {
    switch (msg.subject) {
      case SUBJECTS.agent(hostId, "settled"):
        await settledWithin(this.#deps.relayed, hostId);
        msg.respond("");
        return;
      case SUBJECTS.agent(hostId, "claim"):
        msg.respond(JSON.stringify(await this.#yield(hostId, msg)));
        return;
      case SUBJECTS.agent(hostId, "cmd"):
        msg.respond(JSON.stringify(await this.#command(hostId, msg)));
        return;
      default:
        this.#deps.rejects.reject("command", msg.subject, "no such request");
        msg.respond(JSON.stringify({ error: "no such request" }));
    }
  }

  /** A claim of a host held here: gives way by AgentLinks.yieldTo's rule, or keeps it. */
  async #yield(hostId: string, msg: Msg): Promise<ClaimAnswerMessage> {
    const read = readBusMessage(msg, ClaimMessage);
    if (!read.ok) {
      this.#deps.rejects.reject("claim", msg.subject, read.why);
      return { error: `malformed claim: ${read.why}` };
    }
    const verdict = await this.#deps.local.yieldTo(hostId, read.value.incarnation, {
      replacedCode: CLOSE_CODES.replaced,
      probeMs: read.value.probeMs,
    });
    if (verdict !== "kept") this.#unhold(hostId);
    return { verdict };
  }

  /** A command for a host held here: the agent's outcome, why there is none, or why it was refused. */
  async #command(hostId: string, msg: Msg): Promise<CommandReplyMessage> {
    const read = readBusMessage(msg, CommandRequestMessage);
    if (!read.ok) {
      this.#deps.rejects.reject("command", msg.subject, read.why);
      return { ok: false, error: `malformed command request: ${read.why}` };
    }
    try {
      return { ok: true, outcome: await this.#deps.local.send(hostId, read.value) };
    } catch (err) {
      if (err instanceof AgentUnavailableError)
        return { ok: false, reason: err.reason, message: err.message };
      this.#deps.log.error({ err, hostId }, "a command for a host held here failed");
      return { ok: false, error: "the host's replica failed to send the command" };
    }
  }

  #unhold(hostId: string): void {
    const held = this.#held.get(hostId);
    if (held === undefined) return;
    held.subscription.unsubscribe();
    this.#held.delete(hostId);
    this.#peers.changed();
  }

  #snapshot(): PresenceSnapshot["hosts"] {
    return [...this.#held].map(([hostId, held]) => ({
      hostId,
      epoch: held.epoch,
      clockOffsetMs: this.#deps.local.clockOffsetMs(hostId),
    }));
  }

  /**
   * Fencing: another replica says it holds a host this one holds too (a claim lost while the bus
   * was down, or two connections racing). The newer epoch keeps it (the replica id breaks a tie);
   * the older link closes as replaced, not as the host going offline.
   */
  #fence(snapshot: PresenceSnapshot): void {
    for (const theirs of snapshot.hosts) {
      const mine = this.#held.get(theirs.hostId);
      if (mine === undefined) continue;
      const theyWin =
        theirs.epoch > mine.epoch || (theirs.epoch === mine.epoch && snapshot.replica > this.#deps.replicaId);
      if (!theyWin) continue;
      this.#deps.log.warn(
        { hostId: theirs.hostId, holder: snapshot.replica },
        "host held by a newer connection elsewhere",
      );
      this.#deps.local.release(
        theirs.hostId,
        CLOSE_CODES.replaced,
        "replaced by a newer connection of this host on another replica",
      );
      this.#unhold(theirs.hostId);
    }
  }
}
