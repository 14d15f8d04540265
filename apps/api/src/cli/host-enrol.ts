import { AuditTrail, CLI_ACTOR } from "../auth/audit-trail.ts";
import { HostEnrolment } from "../auth/host-enrolment.ts";
import { type CliCommand, usageOf, withStore } from "./command.ts";
import { hostAgentUrl, printHostToken, readHostArgs } from "./host-token-output.ts";

/**
 * `host enrol <name>`: creates a host and prints its single-use enrolment token and the agent
 * command. The agent trades the token for its long-lived credential on first connection.
 */
export const hostEnrol: CliCommand = {
  name: "host enrol",
  args: "<name> [--server-url URL]",
  summary:
    "creates a host and prints its single-use enrolment token and the ways to run its agent; URL: how agents reach this server",
  async run(args, config, json) {
    const { name, chosenAgentUrl } = readHostArgs(args, usageOf(hostEnrol));
    await withStore(config, async (store) => {
      const choice = await hostAgentUrl(store, config, chosenAgentUrl);
      // This process holds no agent connections: a brand-new host has none to close anyway.
      const enrolment = new HostEnrolment({
        store,
        agents: { disconnect: () => false, isOnline: () => false },
        audit: new AuditTrail(store.audit),
        ttlMs: config.auth.enrolmentTtlMs,
        now: Date.now,
      });
      const { host, token, expiresAt, runWays } = await enrolment.enrol(name, CLI_ACTOR, choice.agentUrl);
      printHostToken({ hostId: host.id, name: host.name, token, expiresAt, runWays }, choice, config, json);
    });
  },
};
