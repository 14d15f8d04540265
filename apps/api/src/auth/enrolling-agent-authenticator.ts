import type { Store } from "../store/store.ts";
import type { AgentAuthenticator, AgentIdentity } from "./agent-authenticator.ts";
import { hashToken, mintSecret } from "./secret-token.ts";

type Repositories = Pick<Store, "enrolmentTokens" | "credentialRotations">;

/**
 * The /ws/agent authenticator with enrolment and rotation. A bearer token is either
 * - a host's long-lived credential (checked by HostCredentialAuthenticator); if an admin
 *   asked for a rotation, this connection receives a new credential and the old one is revoked; or
 * - a single-use enrolment token, traded for the host's first credential.
 * A new credential goes to the agent in `welcome.credential`, and any older one of the host is
 * revoked, so a host has exactly one: the store swaps it in within the transaction that redeems
 * the token or completes the rotation. Only hashes are looked up or stored.
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
    // Minted before it is known to be needed: the store stores it only if a rotation or the token says so.
    const issued = mintSecret();
    if (known) {
      const rotated = await this.#store.credentialRotations.complete(known.hostId, issued.hash, this.#now());
      return rotated ? { hostId: known.hostId, issuedCredential: issued.token } : known;
    }
    const hostId = await this.#store.enrolmentTokens.redeem(hashToken(bearerToken), issued.hash, this.#now());
    return hostId === null ? null : { hostId, issuedCredential: issued.token };
  }
}
