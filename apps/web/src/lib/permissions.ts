import {
  type ContainerAction,
  type ContainerState,
  DISRUPTIVE_ACTIONS,
  type Role,
} from "@crowsnest/protocol";

/**
 * The UI's mirror of the role × action table in DESIGN.md. The server decides; this only
 * disables what the server would refuse, and says why.
 */
export interface ActionVerdict {
  allowed: boolean;
  /** Why it is not allowed (role/policy), or why it makes no sense in the current state. */
  reason: string | null;
}

export const ACTIONS: readonly ContainerAction[] = [
  "start",
  "stop",
  "restart",
  "kill",
  "pause",
  "unpause",
  "remove",
];

export function roleAllows(role: Role, action: ContainerAction, isProtected: boolean): ActionVerdict {
  if (role === "ADMIN") return { allowed: true, reason: null };
  if (role === "VIEWER") return { allowed: false, reason: "Your role (VIEWER) can only view containers" };
  if (action === "remove") return { allowed: false, reason: "Only an ADMIN can remove containers" };
  if (isProtected && DISRUPTIVE_ACTIONS.has(action)) {
    return {
      allowed: false,
      reason: `This container is protected: only an ADMIN can ${action} it`,
    };
  }
  return { allowed: true, reason: null };
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

export function verdict(
  role: Role,
  action: ContainerAction,
  isProtected: boolean,
  state: ContainerState,
): ActionVerdict {
  const byRole = roleAllows(role, action, isProtected);
  if (!byRole.allowed) return byRole;
  return stateAllows(action, state);
}

export function isDisruptive(action: ContainerAction): boolean {
  return DISRUPTIVE_ACTIONS.has(action);
}
