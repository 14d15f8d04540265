import type { HostCredentialRepository } from "../store/store.ts";
import { hashToken } from "./secret-token.ts";

export interface AgentIdentity {
  hostId: string;
  /** A credential minted for this connection (an enrolment token was traded), sent once in `welcome`. */
  issuedCredential: string | null;
}

/**
 * Decides, in the HTTP upgrade of /ws/agent and before any message is read, which host a
 * bearer token belongs to. Null refuses the upgrade with 401.
 */
export interface AgentAuthenticator {
  authenticate(bearerToken: string): Promise<AgentIdentity | null>;
}

/** Accepts a host credential whose hash is stored and not revoked. */
export class HostCredentialAuthenticator implements AgentAuthenticator {
  readonly #credentials: HostCredentialRepository;

  constructor(credentials: HostCredentialRepository) {
    this.#credentials = credentials;
  }

  async authenticate(bearerToken: string): Promise<AgentIdentity | null> {
    const hostId = await this.#credentials.findHost(hashToken(bearerToken));
    return hostId === null ? null : { hostId, issuedCredential: null };
  }
}
