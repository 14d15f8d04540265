import { CLOSE_CODES } from "@crowsnest/protocol";
import { AppError } from "../errors/app-error.ts";
import type { HostRecord, Store } from "../store/store.ts";
import type { AuditActor, AuditTrail } from "./audit-trail.ts";
import { mintSecret } from "./secret-token.ts";

export const DEFAULT_ENROLMENT_TTL_MS = 24 * 3_600_000;

/** The agent registry's part in revocation: it drops a host's live connection at once. */
export interface AgentDisconnector {
  disconnect(hostId: string, code: number, reason: string): boolean;
}

export interface IssuedEnrolment {
  host: HostRecord;
  /** Shown once; only its hash is stored. */
  token: string;
  expiresAt: number;
  agentCommand: string;
}

export interface HostEnrolmentDeps {
  store: Pick<Store, "hosts" | "credentialRotations">;
  agents: AgentDisconnector;
  audit: AuditTrail;
  ttlMs: number;
  now: () => number;
}

/**
 * Hosts' identities, for the admin REST routes and the CLI. Enrolling creates the host and a
 * single-use token. Revoking deletes the host's credential and closes its agent's connection at
 * once: use it when a credential may have leaked. Rotating asks for a new credential: the agent is
 * disconnected, reconnects with its current credential, receives a new one in `welcome` and saves
 * it; from then on the old one is refused. No step is needed on the host. Each of the three is
 * audited, with its actor, whether it succeeded or failed.
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
      const { token, hash } = mintSecret();
      const expiresAt = now + this.#deps.ttlMs;
      const host = await this.#deps.store.hosts.create(name, now, {
        kind: "enrolment",
        tokenHash: hash,
        expiresAt,
        createdBy: actor.userId,
      });
      return { host, token, expiresAt, agentCommand: agentCommand(agentUrl, token) };
    };
    return this.#deps.audit.run(actor, event, work, (issued) => ({
      target: { id: issued.host.id, name: issued.host.name },
      detail: `enrolment token expires ${new Date(issued.expiresAt).toISOString()}`,
    }));
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

  /** Runs `work` on an existing host (not_found otherwise) and audits it, naming the host. */
  async #audited<T>(
    action: "host.revoke" | "host.rotate",
    hostId: string,
    actor: AuditActor,
    work: () => Promise<T>,
    done?: (value: T) => { detail: string },
  ): Promise<T> {
    const host: HostRecord | null = await this.#deps.store.hosts.get(hostId);
    const event = { action, target: { id: hostId, name: host?.name ?? null } };
    return this.#deps.audit.run(
      actor,
      event,
      async () => {
        if (!host) throw new AppError("not_found", `no host with id "${hostId}"`);
        return work();
      },
      done,
    );
  }
}

/**
 * The command to run in a checkout of this repository on the host, e.g.
 * `CROWSNEST_TOKEN=<token> npm run agent -- --server-url ws://…/ws/agent --state-dir ./data/agent`.
 * The token goes in the agent's environment, never its argv: any local user can read another's
 * command line (`ps`, /proc/<pid>/cmdline), not its environment. A base64url token needs no shell
 * quoting. `npm run` puts the pinned Node.js 24 first on the PATH, which a bare `node` (often an
 * older system one) would not.
 */
export function agentCommand(agentUrl: string, token: string): string {
  return `CROWSNEST_TOKEN=${token} npm run agent -- --server-url ${agentUrl} --state-dir ./data/agent`;
}

/** The agent endpoint's URL as the browser or CLI user reaches this server: http→ws, https→wss. */
export function agentUrlFor(baseUrl: string): string {
  const url = new URL("/ws/agent", baseUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}
