import { parseArgs } from "node:util";
import { EnrolHostRequest } from "@crowsnest/protocol";
import { agentUrlFor, HostEnrolment } from "../auth/host-enrolment.ts";
import type { Config } from "../config.ts";
import { openStore } from "../store/open-store.ts";

const USAGE = "usage: host enrol <name> [--server-url URL]  (URL: how agents reach this server)";

/**
 * `host enrol <name>`: creates a host and prints its single-use enrolment token and the agent
 * command. The agent trades the token for its long-lived credential on first connection.
 */
export async function hostEnrol(args: readonly string[], config: Config, json: boolean): Promise<void> {
  const { positionals, values } = parseArgs({
    args: [...args],
    options: { "server-url": { type: "string" } },
    allowPositionals: true,
  });
  const request = EnrolHostRequest.safeParse({ name: positionals.join(" ").trim() });
  if (!request.success) throw new Error(USAGE);
  const baseUrl = values["server-url"] ?? config.publicUrl ?? `http://127.0.0.1:${config.port}`;
  const store = openStore(config);
  try {
    // This process holds no agent connections: a brand-new host has none to close anyway.
    const enrolment = new HostEnrolment({
      store,
      agents: { disconnect: () => false },
      ttlMs: config.auth.enrolmentTtlMs,
      now: Date.now,
    });
    const issued = await enrolment.enrol(request.data.name, null, agentUrlFor(baseUrl));
    const { host, token, expiresAt, agentCommand } = issued;
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ hostId: host.id, name: host.name, token, expiresAt, agentCommand })}\n`,
      );
      return;
    }
    process.stdout.write(
      `host id: ${host.id}\nname:    ${host.name}\nenrolment token (single use, expires ${new Date(expiresAt).toISOString()}):\n  ${token}\n\n` +
        `run the agent:\n  ${agentCommand}\n`,
    );
  } finally {
    await store.close();
  }
}
