import { AuditTrail, CLI_ACTOR } from "../auth/audit-trail.ts";
import { HostEnrolment } from "../auth/host-enrolment.ts";
import type { Config } from "../config.ts";
import { openStore } from "../store/open-store.ts";
import { printHostToken, readHostArgs } from "./host-token-output.ts";

const USAGE = "usage: host enrol <name> [--server-url URL]  (URL: how agents reach this server)";

/**
 * `host enrol <name>`: creates a host and prints its single-use enrolment token and the agent
 * command. The agent trades the token for its long-lived credential on first connection.
 */
export async function hostEnrol(args: readonly string[], config: Config, json: boolean): Promise<void> {
  const { name, agentUrl } = readHostArgs(args, config, USAGE);
  const store = await openStore(config);
  try {
    // This process holds no agent connections: a brand-new host has none to close anyway.
    const enrolment = new HostEnrolment({
      store,
      agents: { disconnect: () => false },
      audit: new AuditTrail(store.audit),
      ttlMs: config.auth.enrolmentTtlMs,
      now: Date.now,
    });
    const { host, token, expiresAt, runWays } = await enrolment.enrol(name, CLI_ACTOR, agentUrl);
    printHostToken({ hostId: host.id, name: host.name, token, expiresAt, runWays }, json);
  } finally {
    await store.close();
  }
}
