/**
 * Hosts whose credential an admin asked to rotate. The next connection that presents the host's
 * current credential completes the rotation: it receives a new credential and the old one is revoked.
 */
export interface CredentialRotationRepository {
  request(hostId: string, now: number): Promise<void>;
  /** Removes the host's pending rotation; true when there was one. Atomic: one caller wins. */
  complete(hostId: string): Promise<boolean>;
  /** Drops a pending rotation without completing it (the credential was revoked instead). */
  cancel(hostId: string): Promise<void>;
}
