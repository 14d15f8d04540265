/**
 * Single-use enrolment tokens, stored as SHA-256 digests. One is created with its host
 * (`hosts.create`) and invalidated with the host's other ways in (`hosts.revoke`).
 */
export interface EnrolmentTokenRepository {
  /**
   * Trades an unused, unexpired token for the host's credential: in one transaction the token is
   * marked used, the host's older credentials are revoked and `credentialHash` becomes its one
   * credential. Returns the host id, or null (nothing written) when the token is unknown, used or
   * expired at `now` (epoch ms). Two agents racing with the same token cannot both win.
   */
  redeem(tokenHash: string, credentialHash: string, now: number): Promise<string | null>;
}
