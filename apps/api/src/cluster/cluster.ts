import type { Subscription } from "@nats-io/transport-node";
import type { FastifyBaseLogger } from "fastify";
import type { AgentLinks } from "../ingest/agent-links.ts";
import type { LatestSampleWriter } from "../ingest/latest-samples.ts";
import type { LiveHub } from "../live/hub.ts";
import type { RelayedWrites } from "../live/live-publisher.ts";
import { type BusConnectionState, NatsBus, natsServerOptions } from "./bus.ts";
import { type BusMessageKind, BusRejects, newReplicaId } from "./bus-messages.ts";
import { ClusterAgents } from "./cluster-agents.ts";
import { BusLivePublisher, type LiveRelayCounters, receiveLiveRelay } from "./live-relay.ts";
import { ClusterUserSockets } from "./user-sockets.ts";

/** How the server stands towards other replicas, for /api/health/details. */
export type ClusterReport =
  | { mode: "single" }
  | {
      mode: "nats";
      replicaId: string;
      /** Both NATS connections; while either is down this replica stores its own agents' data. */
      bus: { telemetry: BusConnectionState; control: BusConnectionState };
      /** What the bus means now, in words: null when both connections are up. */
      degraded: string | null;
      relay: LiveRelayCounters;
      /** Bus messages dropped as malformed or implausible, by kind: anything but 0 means a bug or a stranger on the bus. */
      rejected: Record<BusMessageKind, number>;
      /** Agents connected to this replica (agentsOnline counts the whole cluster's). */
      agentsHeldHere: number;
    };

/** The cluster's state for /api/health/details. */
export interface ClusterStatus {
  report(): ClusterReport;
}

/** A server without CROWSNEST_NATS_URL: one process, nothing shared. */
export const SINGLE_PROCESS: ClusterStatus = { report: () => ({ mode: "single" }) };

export interface ClusterJoinDeps {
  natsUrl: string;
  /** This process's browser sockets (deliveries from other replicas go to it). */
  hub: LiveHub;
  /** This process's latest samples (kept up to date from other replicas' metrics too). */
  latest: LatestSampleWriter;
  /** This process's agent sockets. */
  links: AgentLinks;
  /** This process's write queue (see ClusterAgents.settled). */
  relayed: RelayedWrites;
  commandTimeoutMs: number;
  log: FastifyBaseLogger;
}

/**
 * A replica's membership of a NATS cluster (CROWSNEST_NATS_URL): the bus-backed implementations
 * of the narrow interfaces the server wires (LivePublisher, the agent registry's interfaces,
 * UserSocketCloser, RelayedWrites), built around this process's own hub, latest samples and agent links.
 */
export class Cluster implements ClusterStatus {
  readonly replicaId: string;
  readonly agents: ClusterAgents;
  readonly live: BusLivePublisher;
  readonly userSockets: ClusterUserSockets;
  readonly #bus: NatsBus;
  readonly #links: AgentLinks;
  readonly #relay: Subscription;
  readonly #counters: LiveRelayCounters;
  readonly #rejects: BusRejects;

  private constructor(replicaId: string, bus: NatsBus, deps: ClusterJoinDeps) {
    this.replicaId = replicaId;
    this.#bus = bus;
    this.#links = deps.links;
    this.#counters = { published: 0, received: 0, oversized: 0, skippedWhileDown: 0, unreadable: 0 };
    this.#rejects = new BusRejects(deps.log);
    this.live = new BusLivePublisher(deps.hub, bus, this.#counters);
    this.#relay = receiveLiveRelay(
      bus.telemetry,
      { hub: deps.hub, latest: deps.latest },
      this.#counters,
      this.#rejects,
      deps.log,
    );
    this.agents = new ClusterAgents({
      local: deps.links,
      relayed: deps.relayed,
      bus,
      replicaId,
      hub: deps.hub,
      commandTimeoutMs: deps.commandTimeoutMs,
      log: deps.log,
      rejects: this.#rejects,
    });
    this.userSockets = new ClusterUserSockets(deps.hub, bus.control, deps.log, this.#rejects);
    this.agents.start();
    this.userSockets.start();
  }

  /** Connects to NATS and starts relaying; rejects when NATS cannot be reached (see NatsBus.connect). */
  static async join(deps: ClusterJoinDeps): Promise<Cluster> {
    const replicaId = newReplicaId();
    const bus = await NatsBus.connect(deps.natsUrl, replicaId);
    // The server and how it authenticates, never the credentials themselves.
    const { server, auth } = natsServerOptions(deps.natsUrl);
    const credentials = "token" in auth ? "token" : "user" in auth ? "user and password" : "none";
    deps.log.info({ replicaId, nats: server, credentials }, "joined the cluster over NATS");
    if (credentials === "none")
      deps.log.warn(
        { nats: server },
        "NATS without credentials: whoever can reach it can act as a replica (run commands as an admin, take hosts over); see docs/scale-out.md, Trust",
      );
    return new Cluster(replicaId, bus, deps);
  }

  report(): ClusterReport {
    const bus = this.#bus.states();
    const down = [
      bus.telemetry.connected ? null : "telemetry",
      bus.control.connected ? null : "control",
    ].filter((name) => name !== null);
    return {
      mode: "nats",
      replicaId: this.replicaId,
      bus,
      degraded:
        down.length === 0
          ? null
          : `NATS ${down.join(" and ")} connection down: this replica still stores what its own agents send; live views of other replicas' hosts${bus.control.connected ? "" : ", commands to them, sign-outs and presence across replicas"} wait for it`,
      relay: { ...this.#counters },
      rejected: this.#rejects.counts(),
      agentsHeldHere: this.#links.onlineHostIds().length,
    };
  }

  /** Tells the other replicas this one's hosts are gone, stops relaying and closes the bus. */
  async leave(): Promise<void> {
    this.agents.stop();
    this.userSockets.stop();
    this.#relay.unsubscribe();
    await this.#bus.close();
  }
}
