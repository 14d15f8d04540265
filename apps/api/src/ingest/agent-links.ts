import { randomUUID } from "node:crypto";
import type { Command, CommandOutcome, CommandResult } from "@crowsnest/protocol";
import type { AgentDisconnector } from "../auth/host-enrolment.ts";
import { AgentUnavailableError } from "./agent-unavailable.ts";

/** What the registry needs from one live agent socket. */
export interface AgentConnection {
  sendCommand(command: Command): void;
  close(code: number, reason: string): void;
  /** Whether the socket is still open. */
  isOpen(): boolean;
  /** Pings the agent; true when it answers (a pong or any frame) within `timeoutMs`, false otherwise. */
  probe(timeoutMs: number): Promise<boolean>;
  /** The agent's clock minus the server's in ms, as measured on this socket; null while unknown. */
  clockOffsetMs(): number | null;
}

/** How a greeted connection fared in `admit`. */
export type Admission = "attached" | "conflict" | "closed";

interface Link {
  connection: AgentConnection;
  /** The agent's incarnation from its hello; null for an agent that sends none. */
  incarnation: string | null;
}

interface PendingCommand {
  hostId: string;
  resolve: (outcome: CommandOutcome) => void;
  reject: (err: AgentUnavailableError) => void;
  timer: NodeJS.Timeout;
}

/** A command as its sender states it; the registry gives it its id. */
export type CommandRequest = Omit<Command, "id">;

/** The agent registry's part in container actions: deliver a command to a host's agent and wait for its outcome. */
export interface AgentCommandSender {
  /** Rejects with AgentUnavailableError when there is no outcome to return. */
  send(hostId: string, request: CommandRequest): Promise<CommandOutcome>;
}

/** Which hosts have an agent connected, for listings and health (routes). */
export interface AgentPresence {
  isOnline(hostId: string): boolean;
  /** The connected agent's clock minus the server's in ms; null when offline or unknown. */
  clockOffsetMs(hostId: string): number | null;
  onlineHostIds(): string[];
}

/** The agent sockets' side of the registry: join as the host's link, leave, deliver results. */
export interface AgentSocketRegistry {
  admit(
    hostId: string,
    connection: AgentConnection,
    incarnation: string | null,
    options: { replacedCode: number; probeMs: number },
  ): Promise<Admission>;
  detach(hostId: string, connection: AgentConnection): boolean;
  settle(hostId: string, result: CommandResult): boolean;
}

/**
 * The connected agents of this process, at most one per host, and the commands in flight to
 * them. The actions route calls `send`; results come back through `settle` from `command_result`
 * frames. Callers see it through narrow interfaces (AgentPresence, AgentSocketRegistry,
 * AgentCommandSender, AgentDisconnector), so that a registry shared by replicas can replace it.
 */
export class AgentLinks implements AgentPresence, AgentSocketRegistry, AgentCommandSender, AgentDisconnector {
  readonly #timeoutMs: number;
  readonly #links = new Map<string, Link>();
  readonly #pending = new Map<string, PendingCommand>();

  constructor(commandTimeoutMs: number) {
    this.#timeoutMs = commandTimeoutMs;
  }

  /**
   * Makes a greeted connection the host's one link, unless another agent is live on the host.
   * The same incarnation, or an agent that sends none, is a reconnect: the older link is closed as
   * replaced (`replacedCode`). Another incarnation while a link exists is either a restarted agent
   * whose old socket is dead or a second agent on the credential (a clone): the old link is probed
   * for `probeMs`; if it answers it stays and the newcomer gets `conflict` (the caller refuses it),
   * if not it is closed as replaced. Resolves `closed` when the newcomer closed meanwhile.
   */
  async admit(
    hostId: string,
    connection: AgentConnection,
    incarnation: string | null,
    options: { replacedCode: number; probeMs: number },
  ): Promise<Admission> {
    for (;;) {
      const previous = this.#links.get(hostId);
      if (!connection.isOpen()) return "closed";
      if (previous !== undefined && !(await givesWay(previous, incarnation, options.probeMs))) {
        // Another connection may have taken over during the probe: decide again against it.
        if (this.#links.get(hostId) === previous) return "conflict";
        continue;
      }
      if (this.#links.get(hostId) !== previous) continue;
      if (!connection.isOpen()) return "closed";
      this.#links.set(hostId, { connection, incarnation });
      if (previous && previous.connection !== connection)
        previous.connection.close(options.replacedCode, "replaced by a newer connection of this host");
      return "attached";
    }
  }

  /** Forgets the connection if it is still the host's link; returns whether the host went offline. */
  detach(hostId: string, connection: AgentConnection): boolean {
    if (this.#links.get(hostId)?.connection !== connection) return false;
    this.#forget(hostId);
    return true;
  }

  /**
   * A newer connection of the host arrived on another replica with `incarnation`: by admit's rule,
   * this process's link gives way (`released`: forgotten, then closed with `replacedCode`, so its
   * close is no "offline" of the host) or stays, another incarnation being live on it (`kept`: the
   * newcomer is a clone). `none`: no link for the host here.
   */
  async yieldTo(
    hostId: string,
    incarnation: string | null,
    options: { replacedCode: number; probeMs: number },
  ): Promise<"released" | "kept" | "none"> {
    const previous = this.#links.get(hostId);
    if (previous === undefined) return "none";
    if (!(await givesWay(previous, incarnation, options.probeMs))) return "kept";
    if (this.#links.get(hostId) === previous) {
      this.release(
        hostId,
        options.replacedCode,
        "replaced by a newer connection of this host on another replica",
      );
    }
    return "released";
  }

  /**
   * Forgets the host's link, then closes it: the host lives on elsewhere (another replica took it),
   * so its close is not reported as the host going offline. Returns whether a link was held.
   */
  release(hostId: string, code: number, reason: string): boolean {
    const link = this.#links.get(hostId);
    if (link === undefined) return false;
    this.#forget(hostId);
    link.connection.close(code, reason);
    return true;
  }

  /** Whether `connection` is the host's link. */
  holds(hostId: string, connection: AgentConnection): boolean {
    return this.#links.get(hostId)?.connection === connection;
  }

  /** Whether an agent is connected for the host. */
  isOnline(hostId: string): boolean {
    return this.#links.has(hostId);
  }

  /** The connected agent's clock minus the server's in ms (ClockOffsetEstimator); null when offline or unknown. */
  clockOffsetMs(hostId: string): number | null {
    return this.#links.get(hostId)?.connection.clockOffsetMs() ?? null;
  }

  /** The hosts with an agent connected. */
  onlineHostIds(): string[] {
    return [...this.#links.keys()];
  }

  /**
   * Sends a command to the host's agent and resolves with its outcome. Rejects with an
   * AgentUnavailableError: `offline` when no agent is connected (or it leaves), `timeout` when no
   * answer comes in time.
   */
  send(hostId: string, request: CommandRequest): Promise<CommandOutcome> {
    const link = this.#links.get(hostId)?.connection;
    if (!link)
      return Promise.reject(new AgentUnavailableError("offline", "the host's agent is not connected"));
    const command: Command = { ...request, id: randomUUID() };
    // A stop or restart may take Docker its whole grace period before it answers: wait that long on top.
    const timeoutMs = this.#timeoutMs + (request.options.timeoutSeconds ?? 0) * 1000;
    return new Promise<CommandOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#finish(command.id)?.reject(
          new AgentUnavailableError("timeout", `the agent did not answer within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.#pending.set(command.id, { hostId, resolve, reject, timer });
      link.sendCommand(command);
    });
  }

  /** A `command_result` from a host; results for unknown or other hosts' commands are ignored. */
  settle(hostId: string, result: CommandResult): boolean {
    const pending = this.#pending.get(result.commandId);
    if (!pending || pending.hostId !== hostId) return false;
    this.#finish(result.commandId)?.resolve(result.outcome);
    return true;
  }

  /** Closes the host's live connection, e.g. when its credential is revoked. */
  disconnect(hostId: string, code: number, reason: string): boolean {
    const link = this.#links.get(hostId);
    link?.connection.close(code, reason);
    return link !== undefined;
  }

  /** Closes every agent socket (the server is stopping). */
  closeAll(code: number, reason: string): void {
    for (const link of this.#links.values()) link.connection.close(code, reason);
  }

  /** Drops the host's link; its commands in flight fail as offline. */
  #forget(hostId: string): void {
    this.#links.delete(hostId);
    for (const [id, pending] of this.#pending) {
      if (pending.hostId !== hostId) continue;
      this.#finish(id)?.reject(
        new AgentUnavailableError("offline", "the agent disconnected before answering"),
      );
    }
  }

  #finish(commandId: string): PendingCommand | undefined {
    const pending = this.#pending.get(commandId);
    if (!pending) return undefined;
    clearTimeout(pending.timer);
    this.#pending.delete(commandId);
    return pending;
  }
}

/**
 * Whether the host's present link gives way to a newcomer of `incarnation`: the same incarnation,
 * or an agent that sends none, is a reconnect; another incarnation is a restarted agent whose old
 * socket is dead (no answer to a probe within `probeMs`) or a clone (it answers: the link stays).
 */
async function givesWay(previous: Link, incarnation: string | null, probeMs: number): Promise<boolean> {
  const reconnect =
    incarnation === null || previous.incarnation === null || previous.incarnation === incarnation;
  return reconnect || !(await previous.connection.probe(probeMs));
}
