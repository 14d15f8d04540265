import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.ts";
import { BACKENDS } from "./backends.ts";

/**
 * A host's ways in, on every backend: its credential, its enrolment token and a pending rotation.
 * Each operation that writes several of them is one transaction, so a host never ends up with a
 * burnt token and no credential, or two credentials.
 */
describe.each(BACKENDS)("Store contract, host access ($name)", ({ open }) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  const withCredential = async (name: string, tokenHash: string) =>
    (await store.hosts.create(name, 0, { kind: "credential", tokenHash })).id;
  const withToken = async (name: string, tokenHash: string, expiresAt: number) =>
    (await store.hosts.create(name, 0, { kind: "enrolment", tokenHash, expiresAt, createdBy: null })).id;

  it("creates a host with its credential, found by the credential's hash only", async () => {
    const hostId = await withCredential("h", "credential-1");
    expect((await store.hosts.get(hostId))?.name).toBe("h");
    expect(await store.hostCredentials.findHost("credential-1")).toBe(hostId);
    expect(await store.hostCredentials.findHost("credential-2")).toBeNull();
  });

  it("redeems an enrolment token once, for the credential given, and never after it expires", async () => {
    const hostId = await withToken("enrolled", "token-1", 1_000);
    expect(await store.enrolmentTokens.redeem("token-1", "credential-1", 500)).toBe(hostId);
    expect(await store.hostCredentials.findHost("credential-1")).toBe(hostId);
    // Used: nothing is written, the first credential stays the host's.
    expect(await store.enrolmentTokens.redeem("token-1", "credential-2", 501)).toBeNull();
    expect(await store.hostCredentials.findHost("credential-2")).toBeNull();
    expect(await store.hostCredentials.findHost("credential-1")).toBe(hostId);

    await withToken("late", "token-2", 100);
    expect(await store.enrolmentTokens.redeem("token-2", "credential-3", 100)).toBeNull();
    expect(await store.hostCredentials.findHost("credential-3")).toBeNull();
    expect(await store.enrolmentTokens.redeem("unknown", "credential-4", 0)).toBeNull();
  });

  it("lets one of two agents racing with the same token win, and only its credential in", async () => {
    const hostId = await withToken("raced", "token", 1_000);
    const results = await Promise.all([
      store.enrolmentTokens.redeem("token", "credential-a", 10),
      store.enrolmentTokens.redeem("token", "credential-b", 10),
    ]);
    expect(results.filter((r) => r === hostId)).toHaveLength(1);
    const found = [
      await store.hostCredentials.findHost("credential-a"),
      await store.hostCredentials.findHost("credential-b"),
    ];
    expect(found.filter((f) => f === hostId)).toHaveLength(1);
    expect(found[results.indexOf(hostId)]).toBe(hostId);
  });

  it("completes a requested rotation once: the new credential replaces the old; unrequested, nothing changes", async () => {
    const hostId = await withCredential("rotated", "old");
    expect(await store.credentialRotations.complete(hostId, "unasked", 1)).toBe(false);
    expect(await store.hostCredentials.findHost("unasked")).toBeNull();
    expect(await store.hostCredentials.findHost("old")).toBe(hostId);

    await store.credentialRotations.request(hostId, 2);
    await store.credentialRotations.request(hostId, 3);
    const completions = await Promise.all([
      store.credentialRotations.complete(hostId, "new", 4),
      store.credentialRotations.complete(hostId, "newer", 4),
    ]);
    // One of the two completes it; the winner's credential is the host's one.
    expect([...completions].sort()).toEqual([false, true]);
    const winner = completions[0] ? "new" : "newer";
    const loser = completions[0] ? "newer" : "new";
    expect(await store.hostCredentials.findHost("old")).toBeNull();
    expect(await store.hostCredentials.findHost(winner)).toBe(hostId);
    expect(await store.hostCredentials.findHost(loser)).toBeNull();
  });

  it("revokes every way in at once: credentials, an unused token, a pending rotation; other hosts keep theirs", async () => {
    const hostId = await withCredential("revoked", "credential");
    const other = await withCredential("other", "other-credential");
    await store.credentialRotations.request(hostId, 1);
    expect(await store.hosts.revoke(hostId, 2)).toBe(1);
    expect(await store.hostCredentials.findHost("credential")).toBeNull();
    // The rotation was dropped with it: nothing can bring a credential back.
    expect(await store.credentialRotations.complete(hostId, "rotated", 3)).toBe(false);
    expect(await store.hostCredentials.findHost("rotated")).toBeNull();
    expect(await store.hosts.revoke(hostId, 4)).toBe(0);
    expect(await store.hostCredentials.findHost("other-credential")).toBe(other);

    const enrolling = await withToken("enrolling", "token", 1_000);
    expect(await store.hosts.revoke(enrolling, 5)).toBe(0);
    expect(await store.enrolmentTokens.redeem("token", "credential-2", 6)).toBeNull();
    expect(await store.hostCredentials.findHost("credential-2")).toBeNull();
    expect(await store.hosts.revoke("no-such-host", 7)).toBe(0);
  });
});
