import { type AgentRunWays, CLOSE_CODES, canReissueEnrolment, hostStateOf } from "@crowsnest/protocol";
import { AppError } from "../errors/app-error.ts";
import { HostNameTakenError } from "../store/host-name-taken.ts";
import type { HostRecord, NewHostAccess, Store } from "../store/store.ts";
import { agentRunWays } from "./agent-run-ways.ts";
import type { AuditActor, AuditTrail } from "./audit-trail.ts";
import { mintSecret } from "./secret-token.ts";

export const DEFAULT_ENROLMENT_TTL_MS = 24 * 3_600_000;

/**
 * The agent registry's part in a host's lifecycle: it drops a host's live connection at once, and
 * says whether one is live (as the host listings do).
 */
export interface AgentDisconnector {
  disconnect(hostId: string, code: number, reason: string): boolean;
  isOnline(hostId: string): boolean;
}

export interface IssuedEnrolment {
  host: HostRecord;
  /** Shown once; only its hash is stored. */
  token: string;
  expiresAt: number;
  /** The ws(s)://…/ws/agent address in the command. */
  agentUrl: string;
  /** The ways to run the agent with the URL and token filled in (agentRunWays); `npm` is the checkout's command. */
  runWays: AgentRunWays;
}

/** What becomes of a deleted host's stored containers, metrics and logs. */
export type DeletedHostData = "delete" | "keep";

export interface HostEnrolmentDeps {
  store: Pick<Store, "hosts" | "credentialRotations">;
  agents: AgentDisconnector;
  audit: AuditTrail;
  ttlMs: number;
  now: () => number;
}

/**
 * Hosts' identities and lifecycle, for the admin REST routes and the CLI. Enrolling creates the
 * host (its name unique regardless of case) and a single-use token; re-issuing gives a host whose
 * agent has not connected (or was revoked) a new one. Revoking deletes the host's credential and
 * closes its agent's connection at once: use it when a credential may have leaked. Rotating asks
 * for a new credential: the agent is disconnected, reconnects with its current credential, receives
 * a new one in `welcome` and saves it; from then on the old one is refused. No step is needed on
 * the host. Deleting closes every way in and the agent's connection, and deletes or keeps the
 * host's data. Each is audited, with its actor, whether it succeeded or failed.
 */
export class HostEnrolment {
  readonly #deps: HostEnrolmentDeps;

  constructor(deps: HostEnrolmentDeps) {
    this.#deps = deps;
  }

  /** `agentUrl`: the ws(s)://…/ws/agent address the agent should dial, put in the printed command. */
  async enrol(name: string, actor: AuditActor, agentUrl: string): Promise<IssuedEnrolment> {
    const event = { action: "host.enrol", target: { id: null, name } } as const;
    const work = async (): Promise<IssuedEnrolment> => {
      const now = this.#deps.now();
      const { token, access } = this.#newToken(now, actor);
      const host = await createHost(this.#deps.store, name, now, access);
      return {
        host,
        token,
        expiresAt: access.expiresAt,
        agentUrl,
        runWays: agentRunWays(agentUrl, token),
      };
    };
    return this.#deps.audit.run(actor, event, work, (issued) => ({
      target: { id: issued.host.id, name: issued.host.name },
      detail: `enrolment token expires ${new Date(issued.expiresAt).toISOString()}`,
    }));
  }

  /**
   * A new single-use token for a host whose agent has never connected (its token was lost or has
   * expired) or whose credential was revoked; its older tokens and credentials stop working.
   * Errors: not_found, conflict (the agent is online or has connected: rotate instead; deleted).
   */
  async reissue(hostId: string, actor: AuditActor, agentUrl: string): Promise<IssuedEnrolment> {
    return this.#audited(
      "host.reissue",
      hostId,
      actor,
      async (host) => {
        // An agent that has connected set lastSeen. One that is online may not have yet: its hello
        // is stored through the write queue after its link is admitted, and a token re-issued in
        // between would revoke the credential it was just given.
        const state = hostStateOf({ ...host, online: this.#deps.agents.isOnline(hostId) });
        const now = this.#deps.now();
        const { token, access } = this.#newToken(now, actor);
        if (!canReissueEnrolment(state) || !(await this.#deps.store.hosts.reissue(hostId, access, now))) {
          throw new AppError(
            "conflict",
            state === "deleted"
              ? `host "${host.name}" is deleted`
              : `the agent of "${host.name}" has connected already: rotate its credential instead`,
          );
        }
        const renewed = { ...host, revokedAt: null };
        return {
          host: renewed,
          token,
          expiresAt: access.expiresAt,
          agentUrl,
          runWays: agentRunWays(agentUrl, token),
        };
      },
      (issued) => ({ detail: `enrolment token expires ${new Date(issued.expiresAt).toISOString()}` }),
    );
  }

  /**
   * Deletes a host: its ways in are closed and its agent disconnected (close code 4003), then its
   * stored containers, metrics and logs are deleted, or kept readable with the host marked deleted
   * (its name free again). A host deleted with its data kept can be deleted again with `delete`.
   * Errors: not_found, conflict (keeping the data of a host already deleted).
   */
  async delete(hostId: string, data: DeletedHostData, actor: AuditActor): Promise<void> {
    await this.#audited(
      "host.delete",
      hostId,
      actor,
      async (host) => {
        const archived = await this.#deps.store.hosts.archive(hostId, this.#deps.now());
        if (!archived && data === "keep") {
          throw new AppError("conflict", `host "${host.name}" is deleted already, its data kept`);
        }
        this.#deps.agents.disconnect(hostId, CLOSE_CODES.revoked, "the host was deleted");
        if (data === "delete") await this.#deps.store.hosts.delete(hostId);
      },
      () => ({ detail: data === "keep" ? "its data kept" : "its data deleted" }),
    );
  }

  async revoke(hostId: string, actor: AuditActor): Promise<void> {
    await this.#audited("host.revoke", hostId, actor, async () => {
      await this.#deps.store.hosts.revoke(hostId, this.#deps.now());
      this.#deps.agents.disconnect(hostId, CLOSE_CODES.revoked, "the host's credential was revoked");
    });
  }

  /** True when the agent was connected, and so is already reconnecting to pick up its new credential. */
  async rotate(hostId: string, actor: AuditActor): Promise<boolean> {
    return this.#audited(
      "host.rotate",
      hostId,
      actor,
      async () => {
        await this.#deps.store.credentialRotations.request(hostId, this.#deps.now());
        return this.#deps.agents.disconnect(
          hostId,
          CLOSE_CODES.credentialRotation,
          "the host's credential is being rotated",
        );
      },
      (online) => ({
        detail: online
          ? "the agent was online: reconnecting"
          : "the agent was offline: rotates on its next connection",
      }),
    );
  }

  /** A new enrolment token, valid for the configured time from `now`, and how the store keeps it. */
  #newToken(now: number, actor: AuditActor): { token: string; access: EnrolmentAccess } {
    const { token, hash } = mintSecret();
    const access: EnrolmentAccess = {
      kind: "enrolment",
      tokenHash: hash,
      expiresAt: now + this.#deps.ttlMs,
      createdBy: actor.userId,
    };
    return { token, access };
  }

  /** Runs `work` on an existing host (not_found otherwise) and audits it, naming the host. */
  async #audited<T>(
    action: "host.revoke" | "host.rotate" | "host.reissue" | "host.delete",
    hostId: string,
    actor: AuditActor,
    work: (host: HostRecord) => Promise<T>,
    done?: (value: T) => { detail: string },
  ): Promise<T> {
    const host: HostRecord | null = await this.#deps.store.hosts.get(hostId);
    const event = { action, target: { id: hostId, name: host?.name ?? null } };
    return this.#deps.audit.run(
      actor,
      event,
      async () => {
        if (!host) throw new AppError("not_found", `no host with id "${hostId}"`);
        return work(host);
      },
      done,
    );
  }
}

type EnrolmentAccess = Extract<NewHostAccess, { kind: "enrolment" }>;

/** `hosts.create`, a taken name (regardless of case) answered as a `conflict`. */
export async function createHost(
  store: Pick<Store, "hosts">,
  name: string,
  now: number,
  access: NewHostAccess,
): Promise<HostRecord> {
  try {
    return await store.hosts.create(name, now, access);
  } catch (err) {
    if (err instanceof HostNameTakenError) throw new AppError("conflict", err.message, { cause: err });
    throw err;
  }
}

/** The agent endpoint's URL as the browser or CLI user reaches this server: http→ws, https→wss. */
export function agentUrlFor(baseUrl: string): string {
  const url = new URL("/ws/agent", baseUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}
