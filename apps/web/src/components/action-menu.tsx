"use client";
import {
  ActionResponse,
  ContainerAction,
  type ContainerView,
  DISRUPTIVE_ACTIONS,
  DOCKER_DEFAULT_STOP_TIMEOUT_SECONDS,
  isProtected,
} from "@crowsnest/protocol";
import { useEffect, useState } from "react";
import { request } from "../lib/api.ts";
import { containerName } from "../lib/format.ts";
import { stateAllows, verdict } from "../lib/permissions.ts";
import { useOutcome } from "../lib/use-outcome.ts";
import { ConfirmBar } from "./confirm.tsx";
import { OutcomeMessage } from "./outcome-message.tsx";
import { useSession } from "./session.tsx";

/** How long a stop or restart may take before the menu explains why it can take a while. */
const SLOW_STOP_MS = 1_500;

/** Quick actions (host page): kill and remove stay on the container's own page. */
const QUICK: readonly ContainerAction[] = ["start", "stop", "restart", "pause", "unpause"];

/**
 * The container's actions. Whether one is allowed comes from the signed-in user's role
 * (/api/me) and the container's protected label; the server enforces the same table.
 * `compact` shows only the quick actions that apply to the container's state.
 */
export function ActionMenu({
  container,
  compact = false,
  agentOnline,
}: {
  container: ContainerView;
  compact?: boolean;
  agentOnline: boolean;
}) {
  const { me } = useSession();
  const [confirming, setConfirming] = useState<ContainerAction | null>(null);
  const [busy, setBusy] = useState<ContainerAction | null>(null);
  const [force, setForce] = useState(false);
  const { outcome, run } = useOutcome();
  const slow = useSlowStop(busy);
  if (!me) return null;
  const prot = isProtected(container.labels);
  const path = `/api/hosts/${encodeURIComponent(container.hostId)}/containers/${container.id}/actions`;

  const act = async (action: ContainerAction) => {
    setConfirming(null);
    setBusy(action);
    const options = action === "remove" && force ? { force: true } : {};
    await run(
      action,
      async () => {
        const { outcome: result } = await request(ActionResponse, path, {
          method: "POST",
          body: { action, options },
        });
        // The agent's refusal is the server's answer too: shown as an error, as it said it.
        if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
        return result.message;
      },
      (message) => message,
    );
    setBusy(null);
  };

  const actions = compact
    ? QUICK.filter((a) => stateAllows(a, container.state).allowed)
    : ContainerAction.options;
  return (
    <div className={compact ? "actions compact" : "actions"} data-testid="action-menu">
      <fieldset className="action-buttons" aria-label="Container actions">
        {actions.map((action) => {
          const v = verdict(me.role, action, prot, container.state);
          const reason =
            container.removedAt !== null
              ? "Container removed"
              : (v.reason ?? (agentOnline ? null : "Agent offline"));
          return (
            <span key={action} className="action-wrap">
              <button
                type="button"
                className={DISRUPTIVE_ACTIONS.has(action) ? "danger-outline" : undefined}
                disabled={reason !== null || busy !== null}
                title={reason ?? `${action} this container`}
                aria-label={reason ? `${action} (unavailable: ${reason})` : action}
                data-testid={`action-${action}`}
                data-reason={reason ?? ""}
                onClick={() => (DISRUPTIVE_ACTIONS.has(action) ? setConfirming(action) : void act(action))}
              >
                {busy === action ? `${action}…` : action}
              </button>
              {!compact && reason && (
                <span className="reason" data-testid={`reason-${action}`}>
                  {reason}
                </span>
              )}
            </span>
          );
        })}
      </fieldset>
      {confirming && (
        <ConfirmBar
          question={
            <>
              {confirming} <strong>{containerName(container)}</strong>
              {prot ? " (protected)" : ""}?
            </>
          }
          yes={`Yes, ${confirming}`}
          onYes={() => void act(confirming)}
          onNo={() => setConfirming(null)}
        >
          {confirming === "remove" && (
            <label className="check">
              <input
                type="checkbox"
                checked={force}
                onChange={(e) => setForce(e.target.checked)}
                data-testid="confirm-force"
              />
              force (kill it first if running)
            </label>
          )}
        </ConfirmBar>
      )}
      {slow && (
        <p className="small muted stop-note" role="status" data-testid="stop-note">
          Docker has sent the container&apos;s stop signal (SIGTERM). If its process ignores it, Docker waits
          for the stop timeout ({DOCKER_DEFAULT_STOP_TIMEOUT_SECONDS} s unless the container sets another) and
          then kills it with SIGKILL.
        </p>
      )}
      <OutcomeMessage outcome={outcome} testId="action-result" />
    </div>
  );
}

/** True once a stop or restart has been waiting for Docker longer than SLOW_STOP_MS. */
function useSlowStop(busy: ContainerAction | null): boolean {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    setSlow(false);
    if (busy !== "stop" && busy !== "restart") return;
    const t = setTimeout(() => setSlow(true), SLOW_STOP_MS);
    return () => clearTimeout(t);
  }, [busy]);
  return slow;
}
