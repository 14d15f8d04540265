import { hashToken, newSecretToken } from "../auth/secret-token.ts";
import type { HostRecord, Store } from "../store/store.ts";

/** Creates a host with a long-lived credential; the token is returned once and stored only hashed. */
export async function createHostWithCredential(
  store: Store,
  name: string,
  now: number,
): Promise<{ host: HostRecord; token: string }> {
  const host = await store.hosts.create(name, now);
  const token = newSecretToken();
  await store.hostCredentials.add(host.id, hashToken(token), now);
  return { host, token };
}
