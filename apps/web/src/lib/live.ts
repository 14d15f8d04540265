import {
  backoffDelay,
  CLOSE_CODES,
  decode,
  LIVE_MESSAGES,
  type LiveMessage,
  LiveOrder,
  type Topic,
  topicKey,
} from "@crowsnest/protocol";

export type LiveStatus = "connecting" | "open" | "reconnecting" | "closed";
export type LiveListener = (message: LiveMessage) => void;

/** Whether a live message concerns a topic (the server only sends what we subscribed to; this routes it). */
export function messageMatches(topic: Topic, message: LiveMessage): boolean {
  if (message.type === "subscribed") return topicKey(message.topic) === topicKey(topic);
  if (message.type === "error") return true;
  if (topic.kind === "fleet") return true;
  if (message.hostId !== topic.hostId) return false;
  if (topic.kind === "host") return true;
  switch (message.type) {
    case "logs":
      return message.containerId === topic.containerId;
    case "gap":
      return message.containerId === null || message.containerId === topic.containerId;
    case "log_lag":
      return message.lag.containerId === topic.containerId;
    case "event":
      return message.event.containerId === topic.containerId;
    case "metrics":
    case "host_status":
    case "inventory":
      return true;
  }
}

const encoder = new TextEncoder();
/**
 * Generous: a live logs frame carries one agent batch's lines of one container, and an agent frame
 * is at most LIMITS.agentFrameBytes (4 MiB), however long its lines (up to LIMITS.logLineBytes each).
 */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

interface Subscription {
  topic: Topic;
  listeners: Set<LiveListener>;
  /** Called right before the subscription is sent, at first and again after each reconnect. */
  subscribing: Set<() => void>;
}

/**
 * One WebSocket to /ws/live per page. Subscriptions are reference-counted by topic and sent
 * again after every reconnect; reconnects back off exponentially with jitter. Frames of a batch
 * already seen (the agent resent it, the server relayed it again) are dropped, and a jump in a
 * container's log sequence reaches its listeners as a `missed_frames` gap (see LiveOrder); the
 * order is kept across reconnects, so a frame relayed again after one is dropped too.
 */
export class LiveClient {
  private socket: WebSocket | null = null;
  private readonly subs = new Map<string, Subscription>();
  private readonly statusListeners = new Set<(status: LiveStatus) => void>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly order = new LiveOrder();
  /**
   * By topic key, the subscribe frames sent on the current socket that no `subscribed` has answered
   * yet. The answer names only the topic: after an unsubscribe and a subscribe again, the first
   * answer is not the confirmation of the second.
   */
  private readonly unanswered = new Map<string, number>();
  status: LiveStatus = "connecting";
  /** Called when the server refuses the session: the page sends the user to log in. */
  onUnauthorized: (() => void) | null = null;

  private readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.close(1000, "page closed");
    this.socket = null;
    this.setStatus("closed");
  }

  onStatus(listener: (status: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    listener(this.status);
    return () => this.statusListeners.delete(listener);
  }

  /**
   * Adds a listener to a topic, subscribing to it unless it is already. `onSubscribing` is called
   * right before the subscription is sent, at first and after each reconnect, so that the listener
   * knows a `subscribed` will follow; joining a subscription not yet confirmed, at once (the socket
   * down: it is called again when the subscription is sent); joining one already confirmed, not (no
   * `subscribed` comes for it).
   */
  subscribe(topic: Topic, listener: LiveListener, onSubscribing?: () => void): () => void {
    const key = topicKey(topic);
    let sub = this.subs.get(key);
    const joined = sub !== undefined;
    if (!sub) {
      sub = { topic, listeners: new Set(), subscribing: new Set() };
      this.subs.set(key, sub);
    }
    sub.listeners.add(listener);
    if (onSubscribing) sub.subscribing.add(onSubscribing);
    if (!joined) this.sendSubscribe(sub);
    else if (onSubscribing && !this.confirmed(key)) onSubscribing();
    return () => {
      const current = this.subs.get(key);
      if (!current) return;
      current.listeners.delete(listener);
      if (onSubscribing) current.subscribing.delete(onSubscribing);
      if (current.listeners.size === 0) {
        this.subs.delete(key);
        this.send({ type: "unsubscribe", topic });
      }
    };
  }

  /** Whether the server answered (`subscribed`) the last subscribe frame sent for a topic on the open socket. */
  private confirmed(key: string): boolean {
    return this.socket?.readyState === WebSocket.OPEN && !this.unanswered.has(key);
  }

  private sendSubscribe(sub: Subscription): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    for (const subscribing of sub.subscribing) subscribing();
    const key = topicKey(sub.topic);
    this.unanswered.set(key, (this.unanswered.get(key) ?? 0) + 1);
    this.send({ type: "subscribe", topic: sub.topic });
  }

  private send(message: { type: "subscribe" | "unsubscribe"; topic: Topic }): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private setStatus(status: LiveStatus): void {
    this.status = status;
    for (const l of this.statusListeners) l(status);
  }

  private connect(): void {
    if (this.stopped) return;
    this.setStatus(this.attempt === 0 ? "connecting" : "reconnecting");
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      // Frames sent while this page was away are missed for a reason already shown (it reloads what it shows).
      this.order.resync();
      this.unanswered.clear();
      this.attempt = 0;
      this.setStatus("open");
      for (const sub of this.subs.values()) this.sendSubscribe(sub);
    };
    socket.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== "string") return;
      // Passed as bytes: the protocol's decode measures strings with Node's Buffer, which browsers lack.
      const result = decode(LIVE_MESSAGES, encoder.encode(ev.data), { maxBytes: MAX_FRAME_BYTES });
      if (!result.ok) {
        console.warn("crowsnest: ignored a live message:", result.error.message);
        return;
      }
      this.receive(result.message);
    };
    socket.onclose = (ev: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      // Closed because the session was revoked or expired, or refused at the upgrade (the browser
      // only sees 1006 then): the page checks /api/me and sends the user to log in if it is gone.
      if ((ev.code === CLOSE_CODES.revoked || !opened) && this.onUnauthorized) this.onUnauthorized();
      this.scheduleReconnect();
    };
  }

  /** Drops a repeated frame; a logs frame after a jump in its sequence is preceded by a gap. */
  receive(message: LiveMessage): void {
    switch (message.type) {
      case "logs": {
        const stream = LiveOrder.logsStream(message.hostId, message.containerId);
        const verdict = this.order.check(stream, message.batch, message.prev);
        if (verdict === "repeat") return;
        if (verdict === "jump") {
          this.dispatch({
            type: "gap",
            hostId: message.hostId,
            containerId: message.containerId,
            droppedLines: null,
            reason: "missed_frames",
          });
        }
        break;
      }
      case "metrics":
        if (
          message.batch !== undefined &&
          this.order.check(LiveOrder.metricsStream(message.hostId), message.batch, null) === "repeat"
        )
          return;
        break;
      case "subscribed": {
        // Only the answer to the last subscribe frame sent for the topic confirms it.
        const key = topicKey(message.topic);
        const left = (this.unanswered.get(key) ?? 1) - 1;
        if (left > 0) {
          this.unanswered.set(key, left);
          return;
        }
        this.unanswered.delete(key);
        break;
      }
      case "gap":
        // The server counted what it did not send: the next frame's jump is that same hole.
        if (message.containerId !== null)
          this.order.resync(LiveOrder.logsStream(message.hostId, message.containerId));
        break;
    }
    this.dispatch(message);
  }

  private dispatch(message: LiveMessage): void {
    for (const sub of this.subs.values()) {
      if (!messageMatches(sub.topic, message)) continue;
      for (const l of sub.listeners) l(message);
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.setStatus("reconnecting");
    const delay = backoffDelay(this.attempt, { baseMs: 500, capMs: 30_000, minMs: 250 });
    this.attempt++;
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

export function liveUrl(loc: { protocol: string; host: string }): string {
  const proto = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${loc.host}/ws/live`;
}
