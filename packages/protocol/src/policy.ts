import { type ContainerAction, DISRUPTIVE_ACTIONS } from "./commands.ts";
import type { Role } from "./http.ts";

/** The verdict of the role × action table in DESIGN.md; the reason is shown to the user and audited. */
export type PolicyDecision = { allowed: true } | { allowed: false; reason: string };

/** What the policy needs to know of the container an action targets. */
export interface ActionTarget {
  /** The container carries the protected label (`isProtected` of its current labels). */
  protected: boolean;
}

/**
 * Whether a role may perform an action on a container. The server enforces it on every channel;
 * the dashboard uses the same function only to disable what the server would refuse. A pure
 * function of its inputs so that it can be tested exhaustively.
 */
export function decideContainerAction(
  role: Role,
  action: ContainerAction,
  target: ActionTarget,
): PolicyDecision {
  switch (role) {
    case "ADMIN":
      return ALLOW;
    case "VIEWER":
      return deny("the VIEWER role can only view containers");
    case "OPERATOR":
      if (action === "remove") return deny("only an ADMIN can remove a container");
      if (target.protected && DISRUPTIVE_ACTIONS.has(action)) {
        return deny(`the container is protected: only an ADMIN can ${action} it`);
      }
      return ALLOW;
  }
}

const ALLOW: PolicyDecision = { allowed: true };

function deny(reason: string): PolicyDecision {
  return { allowed: false, reason };
}
