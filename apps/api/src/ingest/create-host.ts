import type { HostRecord, Store } from "../store/store.ts";
import { hashHostToken, newHostToken } from "./host-token.ts";

/** Creates a host with a long-lived credential; the token is returned once and stored only hashed. */
export async function createHostWithCredential(
  store: Store,
  name: string,
  now: number,
): Promise<{ host: HostRecord; token: string }> {
  const host = await store.hosts.create(name, now);
  const token = newHostToken();
  await store.hostCredentials.add(host.id, hashHostToken(token), now);
  return { host, token };
}
