export interface NewEnrolmentToken {
  tokenHash: string;
  hostId: string;
  createdAt: number;
  expiresAt: number;
  /** The admin who issued it; null when issued from the CLI. */
  createdBy: string | null;
}

/** Single-use enrolment tokens. Only their SHA-256 digests are stored. */
export interface EnrolmentTokenRepository {
  create(token: NewEnrolmentToken): Promise<void>;
  /**
   * Marks an unused, unexpired token used and returns its host id, or null when the token is
   * unknown, used or expired. One atomic statement, so two agents racing with the same token
   * cannot both win.
   */
  redeem(tokenHash: string, now: number): Promise<string | null>;
  /** Invalidates the host's unused tokens (on revoke). */
  revokeForHost(hostId: string, now: number): Promise<void>;
}
