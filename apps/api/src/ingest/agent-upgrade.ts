import { LIMITS } from "@crowsnest/protocol";
import { WebSocketServer } from "ws";
import type { AgentAuthenticator } from "../auth/agent-authenticator.ts";
import { refuseUpgrade, type UpgradeHandler } from "../ws/upgrade.ts";
import { type AgentConnectionDeps, serveAgentSocket } from "./agent-connection.ts";

/** /ws/agent: the bearer token is checked in the HTTP upgrade, before any message is read. */
export function agentUpgradeHandler(
  authenticator: AgentAuthenticator,
  deps: AgentConnectionDeps,
): UpgradeHandler {
  const wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.agentFrameBytes });
  return (request, socket, head) => {
    const token = bearerToken(request.headers.authorization);
    if (token === null) {
      refuseUpgrade(socket, 401, "missing bearer token");
      return;
    }
    authenticator.authenticate(token).then(
      (identity) => {
        if (identity === null) {
          refuseUpgrade(socket, 401, "unknown or revoked host credential");
          return;
        }
        wss.handleUpgrade(request, socket, head, (ws) => serveAgentSocket(ws, identity, deps));
      },
      (err: unknown) => {
        deps.log.error({ err }, "agent authentication failed");
        refuseUpgrade(socket, 500, "authentication failed");
      },
    );
  };
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? "");
  return match?.[1] ?? null;
}
