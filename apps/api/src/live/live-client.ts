import type { LiveGap, LiveMetrics, MetricSample, Topic } from "@crowsnest/protocol";
import { CLOSE_CODES, encode } from "@crowsnest/protocol";
import type { WebSocket } from "ws";
import type { Principal } from "../auth/principal.ts";
import type { Outbound } from "./outbound.ts";

export interface LiveMemory {
  bufferedBytes: number;
  queuedBytes: number;
  coalescedSamples: number;
}

export interface BackpressureLimits {
  bufferedBytesThreshold: number;
  stuckMs: number;
}

/**
 * One browser socket and what it is owed while it is congested. Memory per socket stays
 * bounded: at most one sample per container, one counter per container, and queued other
 * messages up to the threshold (beyond that the socket is closed; the browser reconnects and reloads).
 */
export class LiveClient {
  readonly principal: Principal;
  /** What this socket is subscribed to, by topic key (see topic-key.ts). */
  readonly topics = new Map<string, Topic>();
  readonly #ws: WebSocket;
  readonly #limits: BackpressureLimits;
  /** When the socket became congested, on the monotonic clock (performance.now()): a wall-clock step must not close it. */
  #congestedSince: number | null = null;
  readonly #latest = new Map<string, { hostId: string; sample: MetricSample }>();
  readonly #dropped = new Map<string, { hostId: string; containerId: string; lines: number }>();
  #queued: string[] = [];
  #queuedBytes = 0;

  constructor(ws: WebSocket, principal: Principal, limits: BackpressureLimits) {
    this.#ws = ws;
    this.principal = principal;
    this.#limits = limits;
  }

  /** What this socket holds in memory now: bytes in its send buffer, queued bytes, coalesced samples. */
  held(): LiveMemory {
    return {
      bufferedBytes: this.#ws.bufferedAmount,
      queuedBytes: this.#queuedBytes,
      coalescedSamples: this.#latest.size,
    };
  }

  get congested(): boolean {
    return this.#congestedSince !== null;
  }

  /** Sends now if the socket keeps up, otherwise keeps the message's bounded substitute. */
  deliver(message: Outbound): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    if (this.#congestedSince === null && this.#ws.bufferedAmount < this.#limits.bufferedBytesThreshold) {
      this.#ws.send(message.data);
      return;
    }
    this.#congestedSince ??= performance.now();
    switch (message.kind) {
      case "metrics":
        for (const sample of message.samples) {
          this.#latest.set(`${message.hostId}/${sample.containerId}`, { hostId: message.hostId, sample });
        }
        return;
      case "logs": {
        const key = `${message.hostId}/${message.containerId}`;
        const entry = this.#dropped.get(key) ?? {
          hostId: message.hostId,
          containerId: message.containerId,
          lines: 0,
        };
        entry.lines += message.lineCount;
        this.#dropped.set(key, entry);
        return;
      }
      case "other":
        this.#queued.push(message.data);
        this.#queuedBytes += message.data.length;
        if (this.#queuedBytes > this.#limits.bufferedBytesThreshold) {
          this.close(CLOSE_CODES.tooSlow, "too slow: the queue of unsent messages overflowed");
        }
        return;
    }
  }

  /**
   * Called periodically while congested: once the socket has drained below the threshold, sends
   * what it is owed (gaps, then the latest samples, then queued messages); closes it if stuck too long.
   * Returns whether it is still congested.
   */
  pump(): boolean {
    if (this.#congestedSince === null) return false;
    if (this.#ws.readyState !== this.#ws.OPEN) return false;
    if (this.#ws.bufferedAmount >= this.#limits.bufferedBytesThreshold) {
      if (performance.now() - this.#congestedSince > this.#limits.stuckMs) {
        this.close(CLOSE_CODES.tooSlow, "too slow: the send buffer stayed full");
        return false;
      }
      return true;
    }
    this.#flushOwed();
    this.#congestedSince = null;
    return false;
  }

  send(data: string): void {
    this.deliver({ kind: "other", data });
  }

  close(code: number, reason: string): void {
    this.#forget();
    if (this.#ws.readyState === this.#ws.OPEN || this.#ws.readyState === this.#ws.CONNECTING) {
      this.#ws.close(code, reason);
      // A peer that does not read will not finish the closing handshake either.
      setTimeout(() => this.#ws.terminate(), 2_000).unref();
    }
  }

  #flushOwed(): void {
    for (const { hostId, containerId, lines } of this.#dropped.values()) {
      const gap: LiveGap = { type: "gap", hostId, containerId, droppedLines: lines, reason: "slow_consumer" };
      this.#ws.send(encode(gap));
    }
    const byHost = new Map<string, MetricSample[]>();
    for (const { hostId, sample } of this.#latest.values()) {
      const samples = byHost.get(hostId) ?? [];
      samples.push(sample);
      byHost.set(hostId, samples);
    }
    for (const [hostId, samples] of byHost) {
      const metrics: LiveMetrics = { type: "metrics", hostId, samples };
      this.#ws.send(encode(metrics));
    }
    for (const data of this.#queued) this.#ws.send(data);
    this.#forget();
  }

  #forget(): void {
    this.#latest.clear();
    this.#dropped.clear();
    this.#queued = [];
    this.#queuedBytes = 0;
  }
}
