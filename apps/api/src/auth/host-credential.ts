import type { HostRecord, Store } from "../store/store.ts";
import { createHost } from "./host-enrolment.ts";
import { mintSecret } from "./secret-token.ts";

/**
 * Creates a host with a long-lived credential, in one transaction (`host add`, scripts). The token
 * is returned once, to be handed to the agent; only its hash is stored. Enrolment and rotation
 * issue credentials in the store operation that redeems the token or completes the rotation.
 */
export async function createHostWithCredential(
  store: Pick<Store, "hosts">,
  name: string,
  now: number,
): Promise<{ host: HostRecord; token: string }> {
  const { token, hash } = mintSecret();
  const host = await createHost(store, name, now, { kind: "credential", tokenHash: hash });
  return { host, token };
}
