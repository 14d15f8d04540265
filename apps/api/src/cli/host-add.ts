import { agentRunWays } from "../auth/agent-run-ways.ts";
import { AuditTrail, CLI_ACTOR } from "../auth/audit-trail.ts";
import { createHostWithCredential } from "../auth/host-credential.ts";
import type { Config } from "../config.ts";
import { openStore } from "../store/open-store.ts";
import { printHostToken, readHostArgs } from "./host-token-output.ts";

const USAGE = "usage: host add <name> [--server-url URL]  (URL: how agents reach this server)";

/**
 * `host add <name>`: creates a host with a long-lived credential, printed once, for scripts and
 * machines set up unattended. `host enrol` is the usual way: its token is single-use and expires.
 */
export async function hostAdd(args: readonly string[], config: Config, json: boolean): Promise<void> {
  const { name, agentUrl } = readHostArgs(args, config, USAGE);
  const store = await openStore(config);
  try {
    const { host, token } = await new AuditTrail(store.audit).run(
      CLI_ACTOR,
      { action: "host.add", target: { id: null, name } },
      () => createHostWithCredential(store, name, Date.now()),
      (added) => ({ target: { id: added.host.id, name: added.host.name }, detail: "long-lived credential" }),
    );
    printHostToken(
      {
        hostId: host.id,
        name: host.name,
        token,
        expiresAt: null,
        runWays: agentRunWays(agentUrl, token),
      },
      json,
    );
  } finally {
    await store.close();
  }
}
