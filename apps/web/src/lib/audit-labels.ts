import { AUDIT_ACTIONS, type AuditAction, type AuditCategory } from "@crowsnest/protocol";

/** How the audit page names each category in its filter. */
export const AUDIT_CATEGORY_LABELS: Record<AuditCategory, string> = {
  container: "container actions",
  user: "user accounts",
  host: "host credentials",
  session: "sign-ins",
};

/** How the audit page names each action: container verbs as they are, the others in words. */
const ACTION_LABELS: Record<AuditAction, string> = {
  start: "start",
  stop: "stop",
  restart: "restart",
  kill: "kill",
  pause: "pause",
  unpause: "unpause",
  remove: "remove",
  "user.create": "create user",
  "user.update": "change user",
  "user.delete": "delete user",
  "user.unlock": "unlock user",
  "host.enrol": "enrol host",
  "host.add": "add host",
  "host.revoke": "revoke host",
  "host.rotate": "rotate host credential",
  "host.reissue": "re-issue enrolment token",
  "host.delete": "delete host",
  "host.agent_url": "set agent URL",
  "session.login": "sign-in",
  "session.login_failed": "failed sign-in",
  "session.locked_out": "locked out",
  "session.logout": "sign-out",
  "session.logout_everywhere": "sign-out everywhere",
};

/** An action's label; an action this dashboard does not know (from a newer server) as it is. */
export function auditActionLabel(action: string): string {
  return Object.hasOwn(ACTION_LABELS, action) ? ACTION_LABELS[action as AuditAction] : action;
}

/** The action filter's choices: the category's actions, or every action when none is chosen. */
export function auditActionChoices(category: AuditCategory | null): { value: string; label: string }[] {
  const actions: readonly AuditAction[] =
    category === null ? Object.values(AUDIT_ACTIONS).flat() : AUDIT_ACTIONS[category];
  return actions.map((value) => ({ value, label: ACTION_LABELS[value] }));
}
