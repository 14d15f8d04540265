/**
 * The rules of a host's life that the server and the dashboard both apply: its state, when its
 * name counts as taken, when a new enrolment token may be issued, and what is wrong with the URL
 * an agent is told to dial.
 */
import { z } from "zod";

/**
 * Where a host stands: `waiting` (enrolled, its agent has never connected), `online`, `offline`
 * (its agent connected before; `lastSeen` says when it was last heard), `revoked` (its credential
 * was revoked: no agent gets in until a new token is issued), `deleted` (removed, its data kept).
 */
export const HostState = z.enum(["waiting", "online", "offline", "revoked", "deleted"]);
export type HostState = z.infer<typeof HostState>;

/** What decides a host's state. */
export interface HostStateInputs {
  online: boolean;
  lastSeen: number | null;
  revokedAt: number | null;
  deletedAt: number | null;
}

/** The host's state: deleted and revoked win over whether an agent is (still) connected. */
export function hostStateOf(host: HostStateInputs): HostState {
  if (host.deletedAt !== null) return "deleted";
  if (host.revokedAt !== null) return "revoked";
  if (host.online) return "online";
  return host.lastSeen === null ? "waiting" : "offline";
}

/**
 * A new enrolment token can be issued for a host whose agent has not connected yet (its token was
 * lost or expired) or whose credential was revoked (to let an agent in again). A host whose agent
 * has connected keeps its credential: rotate it instead.
 */
export function canReissueEnrolment(state: HostState): boolean {
  return state === "waiting" || state === "revoked";
}

/** Two hosts' names clash when these are equal: names are unique regardless of case (and Unicode form). */
export function hostNameKey(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

/** The address an agent dials: a ws:// or wss:// URL. */
export const AgentUrl = z
  .string()
  .max(2048)
  .refine((text) => URL.canParse(text) && ["ws:", "wss:"].includes(new URL(text).protocol), {
    message: "must be a ws:// or wss:// URL, e.g. wss://crowsnest.example.com/ws/agent",
  });

/** `loopback`: the agent would dial its own machine; `unencrypted`: tokens would cross the network in clear. */
export const AgentUrlWarningCode = z.enum(["loopback", "unencrypted"]);
export type AgentUrlWarningCode = z.infer<typeof AgentUrlWarningCode>;

export const AgentUrlWarning = z.object({ code: AgentUrlWarningCode, message: z.string() });
export type AgentUrlWarning = z.infer<typeof AgentUrlWarning>;

/** localhost, *.localhost, 127.0.0.0/8, ::1, 0.0.0.0 and IPv4-mapped loopback: a name for "this machine". */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (host === "::1" || host === "::" || host === "0.0.0.0") return true;
  return /^(::ffff:)?127(\.\d{1,3}){3}$/.test(host);
}

/** What is wrong with telling an agent on another machine to dial `url` (an AgentUrl); empty when nothing. */
export function agentUrlWarnings(url: string): AgentUrlWarning[] {
  const { protocol, hostname } = new URL(url);
  if (isLoopbackHostname(hostname)) {
    return [
      {
        code: "loopback",
        message: `${hostname} is the machine the agent runs on: an agent on another host would dial itself. Use an address of this server that the other host can reach.`,
      },
    ];
  }
  if (protocol === "ws:") {
    return [
      {
        code: "unencrypted",
        message:
          "ws:// is not encrypted: the enrolment token and the host's credential cross the network in clear. Put TLS in front of the server and use wss://.",
      },
    ];
  }
  return [];
}
