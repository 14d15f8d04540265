import type { HostCredentialRepository, HostRecord, Store } from "../store/store.ts";
import { mintSecret } from "./secret-token.ts";

/**
 * Mints a host's long-lived credential and revokes any older one, so that a host has exactly
 * one. The token is returned once, to be handed to the agent; only its hash is stored. Enrolment,
 * rotation and `host add` all issue credentials through it.
 */
export async function issueHostCredential(
  credentials: Pick<HostCredentialRepository, "revokeAll" | "add">,
  hostId: string,
  now: number,
): Promise<string> {
  const { token, hash } = mintSecret();
  await credentials.revokeAll(hostId, now);
  await credentials.add(hostId, hash, now);
  return token;
}

/** Creates a host with a long-lived credential; the token is returned once and stored only hashed. */
export async function createHostWithCredential(
  store: Pick<Store, "hosts" | "hostCredentials">,
  name: string,
  now: number,
): Promise<{ host: HostRecord; token: string }> {
  const host = await store.hosts.create(name, now);
  return { host, token: await issueHostCredential(store.hostCredentials, host.id, now) };
}
