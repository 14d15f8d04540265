import {
  type ActionOptions,
  type AuditResult,
  type CommandOutcome,
  type ContainerAction,
  DISRUPTIVE_ACTIONS,
  decideContainerAction,
  isProtected,
} from "@crowsnest/protocol";
import type { Principal } from "../auth/principal.ts";
import { AppError } from "../errors/app-error.ts";
import type { AgentCommandSender, CommandRequest } from "../ingest/agent-links.ts";
import { findRelayed, type RelayedWrites } from "../live/live-publisher.ts";
import type { Store } from "../store/store.ts";

export interface ActionAttempt {
  principal: Principal;
  clientAddress: string;
  hostId: string;
  containerId: string;
  action: ContainerAction;
  options: ActionOptions;
}

export interface ActionDeps {
  store: Pick<Store, "containers" | "audit">;
  agents: AgentCommandSender;
  /** What the agents sent: a container a browser saw live is looked up again once it is stored. */
  relayed: RelayedWrites;
  now: () => number;
}

/**
 * One container action, from authorization to the agent's outcome. The decision uses the
 * container's labels as the store knows them now (never what the browser says; a container not
 * stored yet, which a browser saw in a live event, once what was relayed is stored), and every
 * attempt is audited: a refusal as `denied`; an allowed one as `allowed` before the command
 * leaves (so that it is on record even if the server dies mid-way), then as `succeeded` or `failed`.
 */
export async function performAction(deps: ActionDeps, attempt: ActionAttempt): Promise<CommandOutcome> {
  const { principal, hostId, containerId, action } = attempt;
  const stored = await findRelayed(deps.relayed, hostId, () =>
    deps.store.containers.get(hostId, containerId),
  );
  const containerName = stored ? displayName(stored.info.names) : null;
  const protectedContainer = stored ? isProtected(stored.info.labels) : false;
  const audit = (result: AuditResult, reason: string | null) =>
    deps.store.audit.append({
      time: deps.now(),
      userId: principal.userId,
      username: principal.username,
      role: principal.role,
      hostId,
      containerId,
      containerName,
      targetId: null,
      target: null,
      action,
      protected: protectedContainer,
      result,
      reason,
      detail: null,
      clientAddress: attempt.clientAddress,
    });

  if (!stored) {
    const reason = "no such container on this host";
    await audit("denied", reason);
    throw new AppError("not_found", reason);
  }
  const decision = decideContainerAction(principal.role, action, { protected: protectedContainer });
  if (!decision.allowed) {
    await audit("denied", decision.reason);
    throw new AppError("forbidden", decision.reason);
  }

  await audit("allowed", null);
  const command: CommandRequest = {
    containerId,
    action,
    options: attempt.options,
    // The agent re-checks the protected label itself and refuses a disruptive action without this mark.
    adminAuthorized: principal.role === "ADMIN" && DISRUPTIVE_ACTIONS.has(action),
  };
  let outcome: CommandOutcome;
  try {
    outcome = await deps.agents.send(hostId, command);
  } catch (err) {
    await audit("failed", err instanceof Error ? err.message : String(err));
    throw err;
  }
  await audit(
    outcome.ok ? "succeeded" : "failed",
    outcome.ok ? null : `${outcome.error.code}: ${outcome.error.message}`,
  );
  return outcome;
}

/** Docker reports names with a leading slash: `/web-1`. */
function displayName(names: readonly string[]): string | null {
  const first = names[0];
  return first === undefined ? null : first.replace(/^\//, "");
}
