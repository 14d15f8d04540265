"use client";
import {
  ActionResponse,
  type CommandOutcome,
  type ContainerAction,
  type ContainerView,
  isProtected,
} from "@crowsnest/protocol";
import { useState } from "react";
import { errorText, request } from "../lib/api.ts";
import { ACTIONS, isDisruptive, verdict } from "../lib/permissions.ts";
import { useSession } from "./session.tsx";

type Result =
  | { kind: "outcome"; action: ContainerAction; outcome: CommandOutcome }
  | { kind: "error"; action: ContainerAction; text: string };

/**
 * The container's actions. Whether one is allowed comes from the signed-in user's role
 * (/api/me) and the container's protected label; the server enforces the same table.
 */
export function ActionMenu({
  container,
  compact = false,
  agentOnline = true,
  onDone,
}: {
  container: ContainerView;
  compact?: boolean;
  agentOnline?: boolean;
  onDone?: () => void;
}) {
  const { me } = useSession();
  const [confirming, setConfirming] = useState<ContainerAction | null>(null);
  const [busy, setBusy] = useState<ContainerAction | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [force, setForce] = useState(false);
  if (!me) return null;
  const prot = isProtected(container.labels);
  const path = `/api/hosts/${encodeURIComponent(container.hostId)}/containers/${container.id}/actions`;

  const run = async (action: ContainerAction) => {
    setConfirming(null);
    setBusy(action);
    setResult(null);
    try {
      const options = action === "remove" && force ? { force: true } : {};
      const res = await request(ActionResponse, path, { method: "POST", body: { action, options } });
      setResult({ kind: "outcome", action, outcome: res.outcome });
      onDone?.();
    } catch (err) {
      setResult({ kind: "error", action, text: errorText(err) });
    } finally {
      setBusy(null);
    }
  };

  const actions = compact ? ACTIONS.filter((a) => a !== "kill" && a !== "remove") : ACTIONS;
  return (
    <div className={compact ? "actions compact" : "actions"} data-testid="action-menu">
      <fieldset className="action-buttons" aria-label="Container actions">
        {actions.map((action) => {
          const v = verdict(me.role, action, prot, container.state);
          const offline = !agentOnline;
          const disabled = !v.allowed || offline || busy !== null;
          const reason = v.reason ?? (offline ? "Agent offline" : null);
          return (
            <span key={action} className="action-wrap">
              <button
                type="button"
                className={isDisruptive(action) ? "danger-outline" : undefined}
                disabled={disabled}
                title={reason ?? `${action} this container`}
                aria-label={reason ? `${action} (unavailable: ${reason})` : action}
                data-testid={`action-${action}`}
                data-reason={reason ?? ""}
                onClick={() => (isDisruptive(action) ? setConfirming(action) : void run(action))}
              >
                {busy === action ? `${action}…` : action}
              </button>
              {!compact && reason && !v.allowed && (
                <span className="reason" data-testid={`reason-${action}`}>
                  {reason}
                </span>
              )}
            </span>
          );
        })}
      </fieldset>
      {confirming && (
        <div
          className="confirm"
          role="alertdialog"
          aria-label={`Confirm ${confirming}`}
          data-testid="confirm"
        >
          <span>
            {confirming}{" "}
            <strong>{container.names[0]?.replace(/^\//, "") ?? container.id.slice(0, 12)}</strong>
            {prot ? " (protected)" : ""}?
          </span>
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
          <button
            type="button"
            className="danger"
            onClick={() => void run(confirming)}
            data-testid="confirm-yes"
          >
            Yes, {confirming}
          </button>
          <button type="button" onClick={() => setConfirming(null)} data-testid="confirm-no">
            Cancel
          </button>
        </div>
      )}
      {result && (
        <output
          className={result.kind === "error" || !result.outcome.ok ? "result error" : "result ok"}
          data-testid="action-result"
        >
          {result.kind === "error"
            ? `${result.action}: ${result.text}`
            : result.outcome.ok
              ? `${result.action}: ${result.outcome.message}`
              : `${result.action}: ${result.outcome.error.code}: ${result.outcome.error.message}`}
        </output>
      )}
    </div>
  );
}
