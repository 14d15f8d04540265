import { agentRunWays } from "../auth/agent-run-ways.ts";
import { AuditTrail, CLI_ACTOR } from "../auth/audit-trail.ts";
import { createHostWithCredential } from "../auth/host-credential.ts";
import { type CliCommand, usageOf, withStore } from "./command.ts";
import { hostAgentUrl, printHostToken, readHostArgs } from "./host-token-output.ts";

/**
 * `host add <name>`: creates a host with a long-lived credential, printed once, for scripts and
 * machines set up unattended. `host enrol` is the usual way: its token is single-use and expires.
 */
export const hostAdd: CliCommand = {
  name: "host add",
  args: "<name> [--server-url URL]",
  summary:
    "creates a host with a long-lived credential, printed once, for unattended set-ups; URL as for host enrol",
  async run(args, config, json) {
    const { name, chosenAgentUrl } = readHostArgs(args, usageOf(hostAdd));
    await withStore(config, async (store) => {
      const choice = await hostAgentUrl(store, config, chosenAgentUrl);
      const { host, token } = await new AuditTrail(store.audit).run(
        CLI_ACTOR,
        { action: "host.add", target: { id: null, name } },
        () => createHostWithCredential(store, name, Date.now()),
        (added) => ({
          target: { id: added.host.id, name: added.host.name },
          detail: "long-lived credential",
        }),
      );
      printHostToken(
        {
          hostId: host.id,
          name: host.name,
          token,
          expiresAt: null,
          runWays: agentRunWays(choice.agentUrl, token),
        },
        choice,
        config,
        json,
      );
    });
  },
};
