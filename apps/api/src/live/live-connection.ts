import {
  BROWSER_MESSAGES,
  CLOSE_CODES,
  decode,
  encode,
  LIMITS,
  type ProtocolError,
  type Subscribed,
} from "@crowsnest/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { RawData, WebSocket } from "ws";
import type { BrowserAuthenticator } from "../auth/browser-authenticator.ts";
import type { Principal } from "../auth/principal.ts";
import { keepAlive } from "../ws/heartbeat.ts";
import { frameBytes } from "../ws/raw-data.ts";
import type { LiveHub } from "./hub.ts";
import { type BackpressureLimits, LiveClient } from "./live-client.ts";
import { type RelayedWrites, settledWithin } from "./live-publisher.ts";

const MAX_TOPICS_PER_SOCKET = 256;

export interface LiveConnectionDeps {
  hub: LiveHub;
  /** What was relayed before a subscription is stored by the time it is answered. */
  relayed: RelayedWrites;
  limits: BackpressureLimits;
  heartbeatMs: number;
  /** Asked on every subscribe and every `sessionCheckMs` whether the socket's session still holds. */
  sessions: Pick<BrowserAuthenticator, "stillValid">;
  sessionCheckMs: number;
  log: FastifyBaseLogger;
}

const SESSION_ENDED = "your session ended: sign in again";

/**
 * Serves one browser socket: subscribe/unsubscribe frames in, the hub's messages out, pings both
 * ways. The socket lives no longer than its session: however the session ended (logout, expiry,
 * a password reset from the CLI in another process), the next subscribe or the next periodic
 * check closes the socket with 4003. Frames are handled one after another, in order. A subscription
 * takes effect at once, and its `subscribed` answer follows once what was relayed before it is
 * stored: batches are relayed before they are stored, so a browser that reads the REST API after
 * `subscribed` finds every line it could not have been sent live. No state follows `subscribed`:
 * read after it, state would be older than what was relayed meanwhile (an event's rename shown,
 * then taken back); the browser reads it and applies to it what arrived live since it subscribed.
 */
export function serveLiveSocket(ws: WebSocket, principal: Principal, deps: LiveConnectionDeps): void {
  const client = new LiveClient(ws, principal, deps.limits);
  deps.hub.add(client);
  const heartbeat = keepAlive(ws, deps.heartbeatMs);
  const sessionEnded = async (): Promise<boolean> => {
    if (await deps.sessions.stillValid(principal)) return false;
    client.close(CLOSE_CODES.revoked, SESSION_ENDED);
    deps.hub.remove(client);
    return true;
  };
  const sessionCheck = setInterval(() => {
    sessionEnded().catch((err: unknown) =>
      deps.log.error({ err }, "could not check a live socket's session"),
    );
  }, deps.sessionCheckMs);
  sessionCheck.unref();
  ws.on("close", () => {
    clearInterval(sessionCheck);
    heartbeat.stop();
    deps.hub.remove(client);
  });
  ws.on("error", (err) => deps.log.warn({ err, userId: principal.userId }, "live socket error"));
  let inbox = Promise.resolve();
  ws.on("message", (data: RawData) => {
    inbox = inbox
      .then(() => handleFrame(client, data, sessionEnded, deps))
      .catch((err: unknown) => {
        deps.log.error({ err }, "could not handle a live frame");
        sendError(client, "internal", "could not handle this message");
      });
  });
}

async function handleFrame(
  client: LiveClient,
  data: RawData,
  sessionEnded: () => Promise<boolean>,
  deps: LiveConnectionDeps,
): Promise<void> {
  const decoded = decode(BROWSER_MESSAGES, frameBytes(data), {
    maxBytes: LIMITS.browserFrameBytes,
  });
  if (!decoded.ok) {
    sendError(client, "bad_frame", decoded.error.message);
    return;
  }
  const message = decoded.message;
  if (message.type === "unsubscribe") {
    deps.hub.unsubscribe(client, message.topic);
    return;
  }
  if (client.topics.size >= MAX_TOPICS_PER_SOCKET) {
    sendError(client, "rate_limited", `at most ${MAX_TOPICS_PER_SOCKET} subscriptions per socket`);
    return;
  }
  if (await sessionEnded()) return;
  deps.hub.subscribe(client, message.topic);
  await settledWithin(deps.relayed, message.topic.kind === "fleet" ? null : message.topic.hostId);
  const subscribed: Subscribed = { type: "subscribed", topic: message.topic };
  client.send(encode(subscribed));
}

function sendError(client: LiveClient, code: ProtocolError["code"], message: string): void {
  const error: ProtocolError = { type: "error", code, message: message.slice(0, 4_096) };
  client.send(encode(error));
}
