import {
  type ContainerAction,
  type ContainerState,
  decideContainerAction,
  type Role,
} from "@crowsnest/protocol";

/** Whether an action button is enabled, and if not, the reason shown beside it. */
export interface ActionVerdict {
  allowed: boolean;
  /** Why it is not allowed (role/policy), or why it makes no sense in the current state. */
  reason: string | null;
}

/** Whether the action applies to a container in this state (Docker would refuse or no-op otherwise). */
export function stateAllows(action: ContainerAction, state: ContainerState): ActionVerdict {
  const running = state === "running" || state === "restarting";
  switch (action) {
    case "start":
      return running || state === "paused"
        ? { allowed: false, reason: `Already ${state}` }
        : { allowed: true, reason: null };
    // Docker stops, kills and restarts a paused container as it does a running one.
    case "stop":
    case "kill":
      return running || state === "paused"
        ? { allowed: true, reason: null }
        : { allowed: false, reason: `Not running (${state})` };
    case "pause":
      return running ? { allowed: true, reason: null } : { allowed: false, reason: `Not running (${state})` };
    case "unpause":
      return state === "paused" ? { allowed: true, reason: null } : { allowed: false, reason: "Not paused" };
    case "restart":
    case "remove":
      return { allowed: true, reason: null };
  }
}

/**
 * Whether the signed-in user can usefully press the action's button: the role × action policy
 * of DESIGN.md (the one the server enforces, from the protocol package; the UI only disables
 * what the server would refuse), then the container's state. A refusal by the policy wins.
 */
export function verdict(
  role: Role,
  action: ContainerAction,
  isProtected: boolean,
  state: ContainerState,
): ActionVerdict {
  const decision = decideContainerAction(role, action, { protected: isProtected });
  if (!decision.allowed) return { allowed: false, reason: sentence(decision.reason) };
  return stateAllows(action, state);
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
