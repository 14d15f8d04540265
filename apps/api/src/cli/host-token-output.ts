import { parseArgs } from "node:util";
import { EnrolHostRequest } from "@crowsnest/protocol";
import { agentUrlFor } from "../auth/host-enrolment.ts";
import type { Config } from "../config.ts";

export interface HostArgs {
  name: string;
  /** The ws(s)://…/ws/agent address put in the printed agent command. */
  agentUrl: string;
}

/**
 * `<name> [--server-url URL]`, shared by `host add` and `host enrol`: the same name rule as
 * `POST /api/hosts`, and the address agents dial (the flag, else CROWSNEST_PUBLIC_URL, else this
 * machine's port).
 */
export function readHostArgs(args: readonly string[], config: Config, usage: string): HostArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${usage}`);
  }
  const request = EnrolHostRequest.safeParse({ name: parsed.positionals.join(" ").trim() });
  if (!request.success) throw new Error(usage);
  const baseUrl = parsed.values["server-url"] ?? config.publicUrl ?? `http://127.0.0.1:${config.port}`;
  if (URL.parse(baseUrl) === null) throw new Error(`--server-url: not a URL: "${baseUrl}"\n${usage}`);
  return { name: request.data.name, agentUrl: agentUrlFor(baseUrl) };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    options: { "server-url": { type: "string" } },
    allowPositionals: true,
  });
}

export interface HostToken {
  hostId: string;
  name: string;
  token: string;
  /** When the token stops working; null for a long-lived credential. */
  expiresAt: number | null;
  /** The agent command with the token in its environment, never its argv (see agentCommand). */
  agentCommand: string;
}

/** Prints a new host's token once, as JSON or for a person; the server keeps only its hash. */
export function printHostToken(issued: HostToken, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(issued)}\n`);
    return;
  }
  const what =
    issued.expiresAt === null
      ? "host credential (long-lived; revoke it with POST /api/hosts/:hostId/revoke)"
      : `enrolment token (single use, expires ${new Date(issued.expiresAt).toISOString()})`;
  process.stdout.write(
    `host id: ${issued.hostId}\nname:    ${issued.name}\n${what}:\n  ${issued.token}\n` +
      "(shown once; the server keeps only its hash)\n\n" +
      `run the agent (the token goes in its environment, where \`ps\` does not show it;\n` +
      "or write it to a file only you can read and pass --token-file FILE instead):\n" +
      `  ${issued.agentCommand}\n`,
  );
}
