/**
 * Hosts whose credential an admin asked to rotate. The next connection that presents the host's
 * current credential completes the rotation: it receives a new credential and the old one is
 * revoked. `hosts.revoke` drops a pending rotation.
 */
export interface CredentialRotationRepository {
  /** Marks a rotation of the host pending (once, however often asked); `now` in epoch ms. */
  request(hostId: string, now: number): Promise<void>;
  /**
   * When a rotation of the host is pending: in one transaction it is removed, the host's
   * credentials are revoked and `credentialHash` becomes its one credential; true. Otherwise
   * nothing is written; false. Atomic: of two callers at once, one wins.
   */
  complete(hostId: string, credentialHash: string, now: number): Promise<boolean>;
}
