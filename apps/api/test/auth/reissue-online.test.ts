import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditTrail, CLI_ACTOR } from "../../src/auth/audit-trail.ts";
import { HostEnrolment } from "../../src/auth/host-enrolment.ts";
import { hashToken } from "../../src/auth/secret-token.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";

const AGENT_URL = "ws://127.0.0.1:8080/ws/agent";

/**
 * A host whose agent is online but whose hello is not stored yet (it waits in the write queue
 * behind other writes) still reads `lastSeen: null`: re-issuing its token then would revoke the
 * credential the agent was just given. HostEnrolment asks the agent registry, as the listings do.
 */
describe("re-issuing a token while the agent is online, its hello not stored yet", () => {
  let store: Store;
  const online = new Set<string>();
  let enrolment: HostEnrolment;
  beforeEach(async () => {
    store = await openStore({ database: { backend: "sqlite", path: ":memory:" } });
    enrolment = new HostEnrolment({
      store,
      agents: { disconnect: () => false, isOnline: (hostId) => online.has(hostId) },
      audit: new AuditTrail(store.audit),
      ttlMs: 60_000,
      now: Date.now,
    });
  });
  afterEach(async () => {
    online.clear();
    await store.close();
  });

  it("is refused with 'rotate', audited as failed, and the agent's credential stays", async () => {
    const { host, token } = await enrolment.enrol("edge-07", CLI_ACTOR, AGENT_URL);
    const credentialHash = hashToken("the-credential-the-agent-was-given");
    expect(await store.enrolmentTokens.redeem(hashToken(token), credentialHash, Date.now())).toBe(host.id);
    online.add(host.id);
    expect((await store.hosts.get(host.id))?.lastSeen).toBeNull();

    await expect(enrolment.reissue(host.id, CLI_ACTOR, AGENT_URL)).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("rotate"),
    });
    expect(await store.hostCredentials.findHost(credentialHash)).toBe(host.id);
    const { entries } = await store.audit.query({ action: "host.reissue" }, { before: null, limit: 10 });
    expect(entries.map((e) => e.result)).toEqual(["failed"]);

    // Offline and never seen: a lost token is re-issued, as before.
    online.delete(host.id);
    expect((await enrolment.reissue(host.id, CLI_ACTOR, AGENT_URL)).host.id).toBe(host.id);
    expect(await store.hostCredentials.findHost(credentialHash)).toBeNull();
  });
});
