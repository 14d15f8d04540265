import { LIMITS } from "@crowsnest/protocol";
import { WebSocketServer } from "ws";
import { type BrowserAuthenticator, isRefusal } from "../auth/browser-authenticator.ts";
import { refuseUpgrade, type UpgradeHandler } from "../ws/upgrade.ts";
import { type LiveConnectionDeps, serveLiveSocket } from "./live-connection.ts";

/** /ws/live: the browser is authenticated (session, Origin) in the HTTP upgrade, before any frame is read. */
export function liveUpgradeHandler(
  authenticator: BrowserAuthenticator,
  deps: LiveConnectionDeps,
): UpgradeHandler {
  const wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.browserFrameBytes });
  return (request, socket, head) => {
    authenticator.authenticate(request).then(
      (result) => {
        if (isRefusal(result)) {
          refuseUpgrade(socket, result.status, result.reason);
          return;
        }
        wss.handleUpgrade(request, socket, head, (ws) => serveLiveSocket(ws, result, deps));
      },
      (err: unknown) => {
        deps.log.error({ err }, "browser authentication failed");
        refuseUpgrade(socket, 500, "authentication failed");
      },
    );
  };
}
