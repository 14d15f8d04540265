import { isLoopbackHostname } from "@crowsnest/protocol/agent";

/** Errors of the socket that mean the server was not reached at all (no answer, no such name, no route). */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNRESET",
]);

/**
 * What the agent logs when its connection to the server fails: the URL it dialled, the error and
 * what to check. A loopback URL is named as the likely cause (an enrolment command built from the
 * address the admin's browser used, run on another host, dials that host itself).
 */
export function connectionErrorMessage(url: string, err: Error & { code?: string }): string {
  const code = err.code ?? "";
  if (!UNREACHABLE_CODES.has(code)) return `connection to the server at ${url} failed: ${err.message}`;
  const { hostname, port } = new URL(url);
  const advice = isLoopbackHostname(hostname)
    ? `${hostname} is this machine: if the server runs on another one, start the agent with that machine's address in --server-url (or CROWSNEST_SERVER_URL)`
    : `check that crowsnest-server runs on ${hostname}, listens on port ${port || "the default"} on an address this machine reaches (CROWSNEST_HOST), and that no firewall is in the way`;
  return `cannot reach the server at ${url} (${code}): ${advice}`;
}
