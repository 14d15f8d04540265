import { parseArgs } from "node:util";
import { AGENT_RUN_WAY_TITLES, type AgentRunWays, EnrolHostRequest } from "@crowsnest/protocol";
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
  /** The ways to run the agent, the token in its environment or on stdin, never its argv (agentRunWays). */
  runWays: AgentRunWays;
}

/**
 * Prints a new host's token once, as JSON (with `agentCommand`, the checkout's command, as POST
 * /api/hosts answers) or for a person, with every way to run the agent; the server keeps only its hash.
 */
export function printHostToken(issued: HostToken, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...issued, agentCommand: issued.runWays.npm })}\n`);
    return;
  }
  const what =
    issued.expiresAt === null
      ? "host credential (long-lived; revoke it with POST /api/hosts/:hostId/revoke)"
      : `enrolment token (single use, expires ${new Date(issued.expiresAt).toISOString()})`;
  process.stdout.write(
    `host id: ${issued.hostId}\nname:    ${issued.name}\n${what}:\n  ${issued.token}\n` +
      "(shown once; the server keeps only its hash)\n\n" +
      "run the agent on the host in one of these ways (the token goes in its environment or on stdin,\n" +
      "where `ps` does not show it; in a checkout you may write it to a file only you can read and pass\n" +
      "--token-file FILE instead):\n" +
      runWaysText(issued.runWays),
  );
}

/** Each way under its title, indented, in the order of AGENT_RUN_WAY_TITLES. */
function runWaysText(ways: AgentRunWays): string {
  return Object.entries(AGENT_RUN_WAY_TITLES)
    .map(([way, title]) => {
      const body = ways[way as keyof AgentRunWays].replaceAll("\n", "\n    ");
      return `\n  ${title}:\n    ${body}\n`;
    })
    .join("");
}
