import { agentCommand } from "../auth/host-enrolment.ts";
import type { Config } from "../config.ts";
import { createHostWithCredential } from "../ingest/create-host.ts";
import { openStore } from "../store/open-store.ts";

/** `host add <name>`: creates a host and prints its id and its credential (shown only this once). */
export async function hostAdd(args: readonly string[], config: Config, json: boolean): Promise<void> {
  const name = args.join(" ").trim();
  if (name === "" || name.length > 128) throw new Error("usage: host add <name> (1-128 characters)");
  const store = openStore(config);
  try {
    const { host, token } = await createHostWithCredential(store, name, Date.now());
    const command = agentCommand(`ws://127.0.0.1:${config.port}/ws/agent`, token);
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ hostId: host.id, name: host.name, token, agentCommand: command })}\n`,
      );
      return;
    }
    process.stdout.write(
      `host id: ${host.id}\nname:    ${host.name}\ntoken:   ${token}\n` +
        "(the token is shown once; the server keeps only its hash)\n\n" +
        `run the agent:\n  ${command}\n`,
    );
  } finally {
    await store.close();
  }
}
