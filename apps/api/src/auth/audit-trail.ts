import {
  type AuditResult,
  auditCategoryOf,
  type HostAuditAction,
  type Role,
  type SessionAuditAction,
  type UserAuditAction,
} from "@crowsnest/protocol";
import type { AuditRepository } from "../store/audit-repository.ts";

/** Who did something, and from where. */
export interface AuditActor {
  /** Null for the CLI and for a sign-in attempt under a name no account has. */
  userId: string | null;
  username: string;
  role: Role | null;
  clientAddress: string;
}

/** The command line on the server's machine: no account, no role, no network address. */
export const CLI_ACTOR: AuditActor = { userId: null, username: "cli", role: null, clientAddress: "local" };

/** A signed-in user (a request's principal, or the account that just signed in) as an actor. */
export function actorOf(
  user: { userId: string; username: string; role: Role },
  clientAddress: string,
): AuditActor {
  return { userId: user.userId, username: user.username, role: user.role, clientAddress };
}

/** An event of account management, host identity or sign-in; container actions are `performAction`'s. */
export interface AuditEvent {
  action: UserAuditAction | HostAuditAction | SessionAuditAction;
  /** The user or host acted on; a host's id is its entry's `hostId` as well. */
  target?: { id: string | null; name: string | null };
  detail?: string | null;
}

/**
 * Writes the events that are not container actions to the append-only audit log, so that
 * account changes, host credentials and sign-ins leave the same trace as container actions.
 */
export class AuditTrail {
  readonly #audit: Pick<AuditRepository, "append">;
  readonly #now: () => number;

  constructor(audit: Pick<AuditRepository, "append">, now: () => number = Date.now) {
    this.#audit = audit;
    this.#now = now;
  }

  /** Appends one entry; `reason` says why an attempt was denied or failed. */
  async record(
    actor: AuditActor,
    event: AuditEvent,
    result: AuditResult,
    reason: string | null = null,
  ): Promise<void> {
    const targetId = event.target?.id ?? null;
    await this.#audit.append({
      time: this.#now(),
      userId: actor.userId,
      username: actor.username,
      role: actor.role,
      hostId: auditCategoryOf(event.action) === "host" ? targetId : null,
      containerId: null,
      containerName: null,
      targetId,
      target: event.target?.name ?? null,
      action: event.action,
      protected: false,
      result,
      reason,
      detail: event.detail ?? null,
      clientAddress: actor.clientAddress,
    });
  }

  /**
   * Runs `work` and records the attempt either way: `succeeded`, with what `done` learns from the
   * result (a new id, say), or `failed` with the error's message, which is then rethrown.
   */
  async run<T>(
    actor: AuditActor,
    event: AuditEvent,
    work: () => Promise<T>,
    done: (value: T) => Partial<AuditEvent> = () => ({}),
  ): Promise<T> {
    let value: T;
    try {
      value = await work();
    } catch (err) {
      await this.record(actor, event, "failed", err instanceof Error ? err.message : String(err));
      throw err;
    }
    await this.record(actor, { ...event, ...done(value) }, "succeeded");
    return value;
  }
}
