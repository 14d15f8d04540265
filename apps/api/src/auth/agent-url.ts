import { type AgentUrlSource, type AgentUrlWarning, agentUrlWarnings } from "@crowsnest/protocol";
import type { SettingsRepository } from "../store/store.ts";
import { agentUrlFor } from "./host-enrolment.ts";

/** The settings key under which the URL an admin chose for new agents is stored. */
export const AGENT_URL_SETTING = "agent-url";

/** What the agent URL is chosen from, for the REST routes and the CLI alike. */
export interface AgentUrlSources {
  settings: Pick<SettingsRepository, "get">;
  /** CROWSNEST_PUBLIC_URL, or null. */
  publicUrl: string | null;
  /**
   * The base URL to guess from when neither an admin's choice nor CROWSNEST_PUBLIC_URL is set: the
   * address a request came to, or for the CLI this machine at CROWSNEST_PORT.
   */
  guessBaseUrl: string;
}

/** A URL for new agents, where it came from, and what is wrong with it for an agent on another machine. */
export interface AgentUrlChoice {
  agentUrl: string;
  /** `chosen`: given with this one enrolment (the request's `agentUrl`, the CLI's --server-url). */
  source: AgentUrlSource | "chosen";
  warnings: AgentUrlWarning[];
}

/**
 * Where new agents are told to dial, and why: the URL an admin saved (PUT /api/settings/agent-url),
 * else CROWSNEST_PUBLIC_URL's agent endpoint, else the guess (`request`: on a fresh install, often
 * a loopback address); with its warnings (agentUrlWarnings). GET /api/settings/agent-url shows it.
 */
export async function savedOrGuessedAgentUrl(
  sources: AgentUrlSources,
): Promise<AgentUrlChoice & { source: AgentUrlSource }> {
  const saved = await sources.settings.get(AGENT_URL_SETTING);
  const [agentUrl, source]: [string, AgentUrlSource] =
    saved !== null
      ? [saved, "saved"]
      : sources.publicUrl !== null
        ? [agentUrlFor(sources.publicUrl), "public-url"]
        : [agentUrlFor(sources.guessBaseUrl), "request"];
  return { agentUrl, source, warnings: agentUrlWarnings(agentUrl) };
}

/**
 * The URL a new enrolment's agent command points at, for POST /api/hosts, a re-issue and the CLI's
 * `host enrol`/`host add`: the one chosen for it, else savedOrGuessedAgentUrl's; with its warnings.
 */
export async function enrolmentAgentUrl(
  sources: AgentUrlSources,
  chosen: string | undefined,
): Promise<AgentUrlChoice> {
  if (chosen === undefined) return savedOrGuessedAgentUrl(sources);
  return { agentUrl: chosen, source: "chosen", warnings: agentUrlWarnings(chosen) };
}
