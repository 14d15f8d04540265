import type { Subscription } from "@nats-io/transport-node";
import type { FastifyBaseLogger } from "fastify";
import type { NatsBus } from "./bus.ts";
import { type BusRejects, PresenceMessage, readBusMessage } from "./bus-messages.ts";
import { SUBJECTS } from "./subjects.ts";

/**
 * A replica's snapshot is sent this often; one not heard from for PRESENCE_EXPIRY_MS is taken for
 * dead and its hosts for offline (Coder's 2 s × 3 missed heartbeats, notes/scale-out.md §4.3).
 * NATS KV cannot do it: on nats-server 2.9 a key that expires gives no watch event (§2).
 */
export const PRESENCE_INTERVAL_MS = 2_000;
export const PRESENCE_EXPIRY_MS = 6_000;
/** Changes (attach, detach) within this window go out as one snapshot. */
const CHANGE_DEBOUNCE_MS = 50;
/**
 * A host's epoch is its replica's clock when it attached the agent, so it is never ahead of now
 * by more than the clocks' difference (NTP keeps it to milliseconds). An entry dated further ahead
 * would win every fencing against a real connection (the newest epoch keeps the host): it is not believed.
 */
export const MAX_EPOCH_AHEAD_MS = 5_000;

/** The hosts a replica holds, as it publishes them on `cn.v1.presence.<replica>` (PresenceMessage). */
export type PresenceSnapshot = PresenceMessage;

interface Peer {
  /** When its last snapshot arrived (performance.now(), immune to clock steps). */
  heardAt: number;
  hosts: Map<string, { epoch: number; clockOffsetMs: number | null }>;
}

export interface PeerPresenceDeps {
  bus: NatsBus;
  replicaId: string;
  /** This replica's held hosts, read at each publication. */
  snapshot: () => PresenceSnapshot["hosts"];
  /** Every snapshot of another replica, for fencing. */
  onPeerSnapshot: (snapshot: PresenceSnapshot) => void;
  /**
   * Hosts whose replica stopped or went silent (they may be held elsewhere by now); `lastHeard`:
   * when that replica last said it held them (epoch ms).
   */
  onHostsLost: (hostIds: string[], lastHeard: number) => void;
  /** Hosts that came back with a replica heard from again after it was taken for dead. */
  onHostsFound: (hostIds: string[]) => void;
  log: FastifyBaseLogger;
  rejects: BusRejects;
}

/**
 * The other replicas' held hosts, kept in memory from their snapshots so that AgentPresence stays
 * synchronous; and this replica's own snapshots, published every PRESENCE_INTERVAL_MS and soon
 * after each change. A SIGKILLed replica sends nothing more: its hosts drop out after
 * PRESENCE_EXPIRY_MS on every other replica.
 */
export class PeerPresence {
  readonly #deps: PeerPresenceDeps;
  readonly #peers = new Map<string, Peer>();
  /** Hosts of replicas taken for dead, until a replica lists them again (see onHostsFound). */
  readonly #lost = new Set<string>();
  #subscription: Subscription | null = null;
  #timer: NodeJS.Timeout | null = null;
  #pending: NodeJS.Timeout | null = null;

  constructor(deps: PeerPresenceDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#subscription = this.#deps.bus.control.subscribe(SUBJECTS.presenceAll, {
      callback: (_err, msg) => {
        const read = readBusMessage(msg, PresenceMessage);
        // A replica publishes on its own subject only: one naming another replica is forged or broken.
        if (!read.ok || msg.subject !== SUBJECTS.presence(read.value.replica)) {
          this.#deps.rejects.reject(
            "presence",
            msg.subject,
            read.ok ? "not its replica's subject" : read.why,
          );
          return;
        }
        this.#heard(read.value, msg.subject);
      },
    });
    this.#timer = setInterval(() => {
      this.#publish();
      this.#expire();
    }, PRESENCE_INTERVAL_MS);
    this.#timer.unref();
    this.#publish();
    // The others may have taken this replica for dead while the bus was down: tell them at once.
    this.#deps.bus.onControlReconnect(() => this.#publish());
  }

  /** Publishes an empty `leaving` snapshot and stops. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#pending) clearTimeout(this.#pending);
    this.#subscription?.unsubscribe();
    this.#send({ replica: this.#deps.replicaId, hosts: [], leaving: true });
  }

  /** This replica's held hosts changed: publish soon (changes close together go out once). */
  changed(): void {
    if (this.#pending !== null) return;
    this.#pending = setTimeout(() => {
      this.#pending = null;
      this.#publish();
    }, CHANGE_DEBOUNCE_MS);
    this.#pending.unref();
  }

  /** Which live replica holds the host (the newest epoch if several say so); null when none. */
  holder(hostId: string): { replica: string; clockOffsetMs: number | null } | null {
    let best: { replica: string; epoch: number; clockOffsetMs: number | null } | null = null;
    for (const [replica, peer] of this.#peers) {
      const held = peer.hosts.get(hostId);
      if (held !== undefined && (best === null || held.epoch > best.epoch)) best = { replica, ...held };
    }
    return best;
  }

  /** Every host some other live replica holds. */
  hostIds(): string[] {
    const ids = new Set<string>();
    for (const peer of this.#peers.values()) for (const id of peer.hosts.keys()) ids.add(id);
    return [...ids];
  }

  #publish(): void {
    this.#send({ replica: this.#deps.replicaId, hosts: this.#deps.snapshot() });
  }

  #send(snapshot: PresenceSnapshot): void {
    // While the bus is down a snapshot would only wait in memory; the next one after it is fresh.
    if (!this.#deps.bus.controlConnected) return;
    try {
      this.#deps.bus.control.publish(SUBJECTS.presence(this.#deps.replicaId), JSON.stringify(snapshot));
    } catch (err) {
      this.#deps.log.warn({ err }, "could not publish presence");
    }
  }

  /** A valid snapshot of another replica; its entries dated in the future are left out (MAX_EPOCH_AHEAD_MS). */
  #heard(received: PresenceSnapshot, subject: string): void {
    if (received.replica === this.#deps.replicaId) return;
    const now = Date.now();
    const believed = received.hosts.filter((h) => h.epoch <= now + MAX_EPOCH_AHEAD_MS);
    if (believed.length < received.hosts.length) {
      const ahead = received.hosts.reduce((most, h) => Math.max(most, h.epoch - now), 0);
      this.#deps.rejects.reject(
        "presence",
        subject,
        `${received.hosts.length - believed.length} host(s) attached up to ${Math.round(ahead / 1000)} s in this replica's future: keep the replicas' clocks in sync`,
      );
    }
    const snapshot = { ...received, hosts: believed };
    const before = this.#peers.get(snapshot.replica);
    if (snapshot.leaving) {
      this.#peers.delete(snapshot.replica);
      if (before) this.#deps.onHostsLost([...before.hosts.keys()], Date.now());
      return;
    }
    const hosts = new Map(
      snapshot.hosts.map((h) => [h.hostId, { epoch: h.epoch, clockOffsetMs: h.clockOffsetMs }]),
    );
    this.#peers.set(snapshot.replica, { heardAt: performance.now(), hosts });
    this.#deps.onPeerSnapshot(snapshot);
    const found = [...hosts.keys()].filter((id) => this.#lost.delete(id));
    if (found.length > 0) this.#deps.onHostsFound(found);
  }

  /** Forgets replicas silent for PRESENCE_EXPIRY_MS; their hosts are lost. */
  #expire(): void {
    const now = performance.now();
    for (const [replica, peer] of this.#peers) {
      if (now - peer.heardAt < PRESENCE_EXPIRY_MS) continue;
      this.#peers.delete(replica);
      this.#deps.log.warn({ replica, hosts: peer.hosts.size }, "replica silent; its hosts are offline");
      for (const id of peer.hosts.keys()) this.#lost.add(id);
      this.#deps.onHostsLost([...peer.hosts.keys()], Date.now() - (now - peer.heardAt));
    }
  }
}
