import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { FastifyBaseLogger } from "fastify";
import type { UserSocketCloser } from "../auth/sign-out.ts";
import { type BusRejects, readBusMessage, UserSocketsMessage } from "./bus-messages.ts";
import { SUBJECTS } from "./subjects.ts";

/**
 * Signing a user out in a cluster: the sockets of this replica close at once, and a broadcast on
 * `cn.v1.bcast.user` closes those on every other replica. A replica that misses the broadcast (its
 * bus was down) still closes them at its next session check (CROWSNEST_LIVE_SESSION_CHECK_MS),
 * the sessions being ended in the shared store first.
 */
export class ClusterUserSockets implements UserSocketCloser {
  readonly #local: UserSocketCloser;
  readonly #nc: NatsConnection;
  readonly #log: FastifyBaseLogger;
  readonly #rejects: BusRejects;
  #subscription: Subscription | null = null;

  constructor(local: UserSocketCloser, nc: NatsConnection, log: FastifyBaseLogger, rejects: BusRejects) {
    this.#local = local;
    this.#nc = nc;
    this.#log = log;
    this.#rejects = rejects;
  }

  /** Closes the sockets other replicas ask to close; a malformed request is dropped (BusRejects). */
  start(): void {
    this.#subscription = this.#nc.subscribe(SUBJECTS.userSockets, {
      callback: (_err, msg) => {
        const read = readBusMessage(msg, UserSocketsMessage);
        if (!read.ok) {
          this.#rejects.reject("userSockets", msg.subject, read.why);
          return;
        }
        try {
          this.#closeHere(read.value);
        } catch (err) {
          this.#log.warn({ err }, "closing the sockets of a user signed out elsewhere failed");
        }
      },
    });
  }

  stop(): void {
    this.#subscription?.unsubscribe();
  }

  closeUser(userId: string, reason: string): void {
    this.#everywhere({ userId, sessionId: null, reason });
  }

  closeSession(userId: string, sessionId: string, reason: string): void {
    this.#everywhere({ userId, sessionId, reason });
  }

  #everywhere(request: UserSocketsMessage): void {
    this.#closeHere(request);
    try {
      this.#nc.publish(SUBJECTS.userSockets, JSON.stringify(request));
    } catch (err) {
      this.#log.error({ err, userId: request.userId }, "could not broadcast a sign-out");
    }
  }

  #closeHere({ userId, sessionId, reason }: UserSocketsMessage): void {
    if (sessionId === null) this.#local.closeUser(userId, reason);
    else this.#local.closeSession(userId, sessionId, reason);
  }
}
