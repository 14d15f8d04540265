import { parseArgs } from "node:util";
import { AGENT_RUN_WAY_TITLES, type AgentRunWays, EnrolHostRequest } from "@crowsnest/protocol";
import { type AgentUrlChoice, enrolmentAgentUrl } from "../auth/agent-url.ts";
import { agentUrlFor } from "../auth/host-enrolment.ts";
import type { Config } from "../config.ts";
import type { Store } from "../store/store.ts";

export interface HostArgs {
  name: string;
  /** The ws(s)://…/ws/agent address `--server-url` names, if given. */
  chosenAgentUrl: string | undefined;
}

/**
 * `<name> [--server-url URL]`, shared by `host add` and `host enrol`: the same name rule as
 * `POST /api/hosts`, and the address agents dial if the flag names one.
 */
export function readHostArgs(args: readonly string[], usage: string): HostArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${usage}`);
  }
  const request = EnrolHostRequest.safeParse({ name: parsed.positionals.join(" ").trim() });
  if (!request.success) throw new Error(usage);
  const serverUrl = parsed.values["server-url"];
  if (serverUrl !== undefined && URL.parse(serverUrl) === null)
    throw new Error(`--server-url: not a URL: "${serverUrl}"\n${usage}`);
  return {
    name: request.data.name,
    chosenAgentUrl: serverUrl === undefined ? undefined : agentUrlFor(serverUrl),
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    options: { "server-url": { type: "string" } },
    allowPositionals: true,
  });
}

/**
 * The address a new host's agent dials, by POST /api/hosts' rule (auth/agent-url.ts): `--server-url`,
 * else the URL saved under Admin → Hosts, else CROWSNEST_PUBLIC_URL's, else a guess, this machine at
 * CROWSNEST_PORT (the CLI does not know the port a running server was given by flag); with its warnings.
 */
export function hostAgentUrl(
  store: Store,
  config: Config,
  chosen: string | undefined,
): Promise<AgentUrlChoice> {
  const sources = {
    settings: store.settings,
    publicUrl: config.publicUrl,
    guessBaseUrl: `http://127.0.0.1:${config.port}`,
  };
  return enrolmentAgentUrl(sources, chosen);
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

/** Where the agent URL came from, for a person. */
function sourceText(choice: AgentUrlChoice, config: Config): string {
  switch (choice.source) {
    case "chosen":
      return "from --server-url";
    case "saved":
      return "saved under Admin → Hosts";
    case "public-url":
      return "from CROWSNEST_PUBLIC_URL";
    case "request":
      return `a guess: this machine at port ${config.port} (CROWSNEST_PORT); pass --server-url URL, or save the URL under Admin → Hosts`;
  }
}

/**
 * Prints a new host's token once, as JSON (with `agentCommand`, the checkout's command, `agentUrl` and
 * `warnings`, as POST /api/hosts answers) or for a person, with the agent URL, where it came from and
 * every way to run the agent, the warnings on stderr; the server keeps only the token's hash.
 */
export function printHostToken(
  issued: HostToken,
  choice: AgentUrlChoice,
  config: Config,
  json: boolean,
): void {
  const { agentUrl, warnings } = choice;
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ ...issued, agentUrl, agentCommand: issued.runWays.npm, warnings })}\n`,
    );
    return;
  }
  const what =
    issued.expiresAt === null
      ? "host credential (long-lived; revoke it with POST /api/hosts/:hostId/revoke)"
      : `enrolment token (single use, expires ${new Date(issued.expiresAt).toISOString()})`;
  process.stdout.write(
    `host id: ${issued.hostId}\nname:    ${issued.name}\n${what}:\n  ${issued.token}\n` +
      "(shown once; the server keeps only its hash)\n\n" +
      `agent URL: ${agentUrl} (${sourceText(choice, config)})\n\n` +
      "run the agent on the host in one of these ways (the token goes in its environment or on stdin,\n" +
      "where `ps` does not show it; in a checkout you may write it to a file only you can read and pass\n" +
      "--token-file FILE instead):\n" +
      runWaysText(issued.runWays),
  );
  for (const warning of warnings) process.stderr.write(`warning: ${warning.message}\n`);
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
