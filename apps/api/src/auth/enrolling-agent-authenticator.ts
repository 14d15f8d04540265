import type { Store } from "../store/store.ts";
import type { AgentAuthenticator, AgentIdentity } from "./agent-authenticator.ts";
import { issueHostCredential } from "./host-credential.ts";
import { hashToken } from "./secret-token.ts";

type Repositories = Pick<Store, "hostCredentials" | "enrolmentTokens" | "credentialRotations">;

/**
 * The /ws/agent authenticator with enrolment and rotation. A bearer token is either
 * - a host's long-lived credential (checked by HostCredentialAuthenticator); if an admin
 *   asked for a rotation, this connection receives a new credential and the old one is revoked; or
 * - a single-use enrolment token, traded for the host's first credential.
 * A new credential goes to the agent in `welcome.credential`, and any older one of the host is
 * revoked, so a host has exactly one. Only hashes are looked up or stored.
 */
export class EnrollingAgentAuthenticator implements AgentAuthenticator {
  readonly #credentials: AgentAuthenticator;
  readonly #store: Repositories;
  readonly #now: () => number;

  constructor(credentials: AgentAuthenticator, store: Repositories, now: () => number = Date.now) {
    this.#credentials = credentials;
    this.#store = store;
    this.#now = now;
  }

  async authenticate(bearerToken: string): Promise<AgentIdentity | null> {
    const known = await this.#credentials.authenticate(bearerToken);
    if (known) {
      if (!(await this.#store.credentialRotations.complete(known.hostId))) return known;
      return { hostId: known.hostId, issuedCredential: await this.#replaceCredential(known.hostId) };
    }
    const hostId = await this.#store.enrolmentTokens.redeem(hashToken(bearerToken), this.#now());
    if (hostId === null) return null;
    return { hostId, issuedCredential: await this.#replaceCredential(hostId) };
  }

  #replaceCredential(hostId: string): Promise<string> {
    return issueHostCredential(this.#store.hostCredentials, hostId, this.#now());
  }
}
